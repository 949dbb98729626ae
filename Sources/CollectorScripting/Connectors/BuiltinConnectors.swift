/// The engine's own connectors, each defined in a file of its own and added
/// to every script's bindings in this order (the order of the docs' tables).
public enum BuiltinConnectors {
    public static var all: [ConnectorDescription] {
        [generator, file, follow, stdin, command, http, sse, websocket, sqlite, jsonl, memory, postgres, null, console, httpStorage]
    }
}
