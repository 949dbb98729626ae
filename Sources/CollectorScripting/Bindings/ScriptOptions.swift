import CollectorValues
import LuaRuntime

/// The options table a script gave to a constructor an embedder added
/// (`source.NAME { ... }`, see `ScriptBindings.addSource`), read by name with
/// the checks the engine's own constructors make: an option that is not
/// listed was already refused (with a "did you mean"); a mistyped one throws
/// an error that says what was expected. Errors thrown while the constructor
/// runs become Lua errors at the script's `file:line`.
///
///     let count = try options.integer("count") ?? 10
///     let every = try options.duration("every") ?? .seconds(1)
///     guard count > 0 else { throw options.problem("option 'count' must be positive") }
public struct ScriptOptions {
    package let reader: OptionReader
    private let idSource: DefaultID

    /// The object's id: the script's `id` option, else the connector's
    /// default (`NAME-1`, `NAME-2`, ..., or one made from its options, such
    /// as `sqlite:PATH`), allocated when first asked for.
    public var id: String { idSource.value(for: self) }

    /// The environment the script sees (what its `env(...)` reads): the
    /// process's, with `--set`/`--env-file` values over it.
    public let environment: [String: String]

    /// The run collects once (`collector run --once`): a source that polls on
    /// a schedule of its own (`.polling`) is built to end after one poll.
    public let collectsOnce: Bool

    init(
        _ reader: OptionReader, environment: [String: String], collectsOnce: Bool = false,
        id: @escaping (ScriptOptions) -> String
    ) {
        self.reader = reader
        self.environment = environment
        self.collectsOnce = collectsOnce
        idSource = DefaultID(id)
    }

    /// `source.NAME` or `storage.NAME`: how errors name the constructor.
    public var function: String { reader.function }

    /// An error for the script, prefixed with the constructor's name.
    public func problem(_ message: String) -> any Error { LuaCallError("\(function): \(message)") }

    /// Whether the script gave the option.
    public func has(_ name: String) -> Bool { reader.has(name) }

    public func string(_ name: String) throws -> String? { try reader.string(name) }

    /// The option's string; an error naming it when it is missing.
    public func requiredString(_ name: String) throws -> String { try reader.requiredString(name) }

    /// One of `choices` (`format = "json"`).
    public func choice(_ name: String, _ choices: [String]) throws -> String? { try reader.choice(name, choices) }

    /// An integer (a float with no fraction is accepted).
    public func integer(_ name: String) throws -> Int? { try reader.integer(name) }

    public func number(_ name: String) throws -> Double? { try reader.number(name) }

    public func boolean(_ name: String) throws -> Bool? { try reader.boolean(name) }

    /// `"250ms"`, `"10s"`, `"1m"`, `"1h"` or a number of seconds.
    public func duration(_ name: String) throws -> Duration? { try reader.duration(name) }

    /// `"64KB"`, `"5MB"`, `"1GB"` or a number of bytes.
    public func size(_ name: String) throws -> Int? { try reader.size(name) }

    /// A list of strings (`{ "a", "b" }`).
    public func strings(_ name: String) throws -> [String]? { try reader.strings(name) }

    /// A table of strings by name (`{ Accept = "text/plain" }`).
    public func stringMap(_ name: String) throws -> [String: String]? { try reader.stringMap(name) }

    /// Any value, as data (a table becomes an object or an array).
    public func data(_ name: String) throws -> DataValue? { try reader.data(name) }
}

/// An id worked out once, when first asked for (so that a connector that
/// never asks takes no number from the sequence).
private final class DefaultID {
    private let make: (ScriptOptions) -> String
    private var made: String?

    init(_ make: @escaping (ScriptOptions) -> String) {
        self.make = make
    }

    func value(for options: ScriptOptions) -> String {
        if let made { return made }
        let id = make(options)
        made = id
        return id
    }
}
