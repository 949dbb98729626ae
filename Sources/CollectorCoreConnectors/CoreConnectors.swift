import CollectorScripting

/// The connectors that need no C library: `storage.jsonl`, `storage.memory`,
/// `storage.null` and `storage.console`. A program that embeds Lua processors
/// and wants no more installs these alone:
///
///     let bindings = try ScriptBindings(installingIn: lua, scriptPath: path, connectors: CoreConnectors.all)
public enum CoreConnectors {
    /// All of them, in the order of the docs' tables.
    public static var all: [ConnectorDescription] { [jsonl, memory, null, console] }
}
