import CollectorCoreConnectors
import CollectorScripting

/// The engine's own connectors, each defined in a file of its own, in the
/// order of the docs' tables; the `collector` program installs them all,
/// with `sqliteSpool` for the pipelines' spools:
///
///     let bindings = try ScriptBindings(
///         installingIn: lua, scriptPath: path,
///         connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool)
public enum BuiltinConnectors {
    public static var all: [ConnectorDescription] {
        [
            generator, file, follow, stdin, command, http, sse, websocket, sqlite, CoreConnectors.jsonl,
            CoreConnectors.memory, postgres, CoreConnectors.null, CoreConnectors.console, httpStorage,
        ] + [mqtt, mqttStorage] + kafkaConnectors
    }
}
