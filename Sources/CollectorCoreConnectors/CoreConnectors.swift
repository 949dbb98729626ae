import CollectorScripting
import CollectorSources

/// The connectors that need no C library: `source.generator`, `source.file`,
/// `source.follow`, `source.stdin`, `source.command`, `storage.jsonl`,
/// `storage.memory`, `storage.null` and `storage.console`. A program that
/// embeds Lua processors and wants no more installs these alone:
///
///     let bindings = try ScriptBindings(installingIn: lua, scriptPath: path, connectors: CoreConnectors.all)
///
/// The file sources read gzip files only with a decompression given
/// (`CoreConnectors.all(decompression: .zlib)`, CollectorGzip, which links zlib).
public enum CoreConnectors {
    /// All of them, sources first, in the order of the docs' tables; gzip files are refused.
    public static var all: [ConnectorDescription] { all(decompression: .none) }

    /// All of them, the file sources reading gzip files with `decompression`.
    public static func all(decompression: Decompression) -> [ConnectorDescription] {
        sources(decompression: decompression) + storages
    }

    /// `source.generator`, `source.file`, `source.follow`, `source.stdin`, `source.command`.
    public static func sources(decompression: Decompression = .none) -> [ConnectorDescription] {
        [generator, file(decompression: decompression), follow(decompression: decompression), stdin, command]
    }

    /// `storage.jsonl`, `storage.memory`, `storage.null`, `storage.console`.
    public static var storages: [ConnectorDescription] { [jsonl, memory, null, console] }
}
