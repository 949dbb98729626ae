import Collectors

/// A source or a storage backend as the script API sees it: its name
/// (`source.NAME`, `storage.NAME`), a one-line summary, its option schema,
/// how pipelines collect it (sources), and how it is built from options
/// already checked against the schema. The engine's own connectors and an
/// embedder's are registered the same way (`ScriptBindings.add(_:)`); the
/// schema drives the option checks, the REPL's completion and `:doc`, and the
/// generated option tables of the docs and the LuaLS stubs.
///
///     let ticker = ConnectorDescription.source(
///         "ticker", summary: "Counts up, once a second.", collection: .interval(.seconds(1)),
///         options: [ConnectorOption("count", .integer(1...1_000), default: "10", "how many ticks")]
///     ) { options in
///         TickerSource(id: options.id, count: try options.integer("count") ?? 10)
///     }
///     try bindings.add(ticker)
public struct ConnectorDescription {
    public enum Kind: String, Sendable {
        case source
        case storage
    }

    /// How pipelines collect a source.
    public enum Collection: Sendable {
        /// Its `stream()`, until it ends or is stopped.
        case stream
        /// Its `stream()`, which polls on a schedule of its own. Under `--once`
        /// the build sees `ScriptOptions.collectsOnce` and makes a source whose
        /// stream ends after one poll (an HTTP poll reads every page of it).
        case polling
        /// Its `collect()` on this interval (`count` times, or until stopped); `--once` collects once instead.
        case interval(Duration, count: Int? = nil)
        /// One `collect()`.
        case once

        var mode: CollectionMode {
            switch self {
            case .stream, .polling: .stream
            case .interval(let every, let count): .interval(every, count: count)
            case .once: .once
            }
        }

        var polls: Bool {
            switch self {
            case .interval: true
            case .stream, .polling, .once: false
            }
        }

        /// For the docs and `:doc`.
        public var description: String {
            switch self {
            case .stream: "a stream, until it ends or is stopped"
            case .polling: "polls on its schedule (once with --once)"
            case .interval(let every, _): "collected every \(Units.describe(every)) (once with --once)"
            case .once: "collected once"
            }
        }
    }

    public let kind: Kind
    public let name: String
    /// One line: what it connects to.
    public let summary: String
    /// The options a script may give, `id` first (added when the schema lacks it).
    public let options: [ConnectorOption]
    /// How pipelines collect it (sources; nil for backends).
    public let collection: Collection?
    let build: Build
    /// The base of the default id (`sqlite:PATH`), made unique by the
    /// bindings; nil: `NAME-1`, `NAME-2`, ...
    let idBase: ((ScriptOptions) throws -> String)?

    enum Build {
        case source((ScriptOptions) throws -> ConnectorInstance<any DataSource>)
        case storage((ScriptOptions) throws -> ConnectorInstance<any StorageBackend>)
    }

    /// `source.NAME` or `storage.NAME`.
    public var qualifiedName: String { "\(kind.rawValue).\(name)" }

    private init(
        kind: Kind, name: String, summary: String, options: [ConnectorOption], collection: Collection?, idDefault: String?,
        idBase: ((ScriptOptions) throws -> String)?, build: Build
    ) {
        self.idBase = idBase
        self.kind = kind
        self.name = name
        self.summary = summary
        self.collection = collection
        self.build = build
        let id = ConnectorOption(
            "id", .string, default: idDefault ?? "\"\(name)-1\", ...",
            kind == .source ? "the source's id, unique in a pipeline" : "the backend's id: the summary's and the report's name for it")
        self.options = options.contains { $0.name == "id" } ? options : [id] + options
    }

    /// A source connector.
    /// - Parameters:
    ///   - idDefault: the default id as the docs show it (`"NAME-1", ...` when nil).
    ///   - idBase: the default id from the options (`sqlite:PATH`), made
    ///     unique (`#2`, ...) when taken; nil: `NAME-1`, `NAME-2`, ...
    ///   - build: makes the source from the checked options; what it throws
    ///     becomes a Lua error at the script's line, prefixed `source.NAME:`.
    public static func source(
        _ name: String, summary: String, collection: Collection = .stream, options: [ConnectorOption],
        idDefault: String? = nil, idBase: ((ScriptOptions) throws -> String)? = nil,
        build: @escaping (ScriptOptions) throws -> ConnectorInstance<any DataSource>
    ) -> ConnectorDescription {
        ConnectorDescription(
            kind: .source, name: name, summary: summary, options: options, collection: collection, idDefault: idDefault,
            idBase: idBase, build: .source(build))
    }

    /// A source connector whose objects describe themselves as `source.NAME(ID)`.
    public static func source(
        _ name: String, summary: String, collection: Collection = .stream, options: [ConnectorOption],
        idDefault: String? = nil, idBase: ((ScriptOptions) throws -> String)? = nil,
        build: @escaping (ScriptOptions) throws -> any DataSource
    ) -> ConnectorDescription {
        source(name, summary: summary, collection: collection, options: options, idDefault: idDefault, idBase: idBase) {
            ConnectorInstance(try build($0))
        }
    }

    /// A storage connector (see `source(_:summary:collection:options:idDefault:build:)`).
    public static func storage(
        _ name: String, summary: String, options: [ConnectorOption], idDefault: String? = nil, idBase: ((ScriptOptions) throws -> String)? = nil,
        build: @escaping (ScriptOptions) throws -> ConnectorInstance<any StorageBackend>
    ) -> ConnectorDescription {
        ConnectorDescription(
            kind: .storage, name: name, summary: summary, options: options, collection: nil, idDefault: idDefault,
            idBase: idBase, build: .storage(build))
    }

    /// A storage connector whose objects describe themselves as `storage.NAME(ID)`.
    public static func storage(
        _ name: String, summary: String, options: [ConnectorOption], idDefault: String? = nil, idBase: ((ScriptOptions) throws -> String)? = nil,
        build: @escaping (ScriptOptions) throws -> any StorageBackend
    ) -> ConnectorDescription {
        storage(name, summary: summary, options: options, idDefault: idDefault, idBase: idBase) { ConnectorInstance(try build($0)) }
    }

    /// The option of that name, if the schema has it.
    public func option(_ name: String) -> ConnectorOption? { options.first { $0.name == name } }
}

/// What a connector's build returns: the source or backend, and how
/// `tostring` describes it in the script (never with a secret in it).
public struct ConnectorInstance<Value> {
    public let value: Value
    /// nil: `source.NAME(ID)` / `storage.NAME(ID)`.
    public let description: String?

    public init(_ value: Value, description: String? = nil) {
        self.value = value
        self.description = description
    }
}
