/// One option of a connector's schema (`url` of `source.http`): what the
/// script may give, checked before the connector is built, and documented
/// from the same entry (docs/lua-api.md, types/collector.lua, the REPL).
public struct ConnectorOption: Sendable {
    public let name: String
    public let type: OptionType
    /// The default as the docs show it: a Lua literal (`"60s"`, `10`, `true`)
    /// or words (`endless`); nil when there is none to show.
    public let defaultText: String?
    /// A script that leaves it out gets an error naming it.
    public let isRequired: Bool
    /// One line: what it does.
    public let doc: String
    /// The LuaLS type of the option, when a more precise one than the
    /// type's exists (`collector.Column[]` for a list of columns).
    public let annotation: String?

    public init(
        _ name: String, _ type: OptionType, default defaultText: String? = nil, required isRequired: Bool = false,
        annotation: String? = nil, _ doc: String
    ) {
        self.name = name
        self.type = type
        self.defaultText = defaultText
        self.isRequired = isRequired
        self.annotation = annotation
        self.doc = doc
    }
}

/// What an option's value must be. The checks run before a connector is
/// built; a value that fails one is an error naming the connector and the
/// option, saying what was expected and what came.
public enum OptionType: Sendable {
    case string
    /// An integer (a float without a fraction is accepted), within the range if given.
    case integer(ClosedRange<Int>? = nil)
    /// A number, within the range if given.
    case number(ClosedRange<Double>? = nil)
    case boolean
    /// `"250ms"`, `"10s"`, `"1m"`, `"1h"` or seconds; at least the minimum if given.
    case duration(atLeast: Duration? = nil)
    /// `"64KB"`, `"5MB"`, `"1GB"` or bytes, within the range if given.
    case size(ClosedRange<Int>? = nil)
    /// A table of strings by name (`{ Accept = "text/plain" }`).
    case stringMap
    /// A list of strings (`{ "a", "b" }`).
    case strings
    /// A list whose entries the connector checks itself; `of` names what
    /// the entries are, for the error a value that is not a table gets.
    case list(of: String? = nil)
    /// One of these strings.
    case choice([String])
    /// Any table (its contents checked by the connector).
    case table
    /// Any value (for constructors added by name only; the connector checks it).
    case any

    /// How the docs name it: `integer, 1 to 100`, `duration`, `` `"a"` or `"b"` ``.
    public var description: String {
        switch self {
        case .string: return "string"
        case .integer(let range): return "integer" + Self.bounds(range)
        case .number(let range):
            guard let range else { return "number" }
            return "number, \(Self.text(range.lowerBound)) to \(Self.text(range.upperBound))"
        case .boolean: return "boolean"
        case .duration: return "duration"
        case .size: return "size"
        case .stringMap: return "table of strings"
        case .strings: return "list of strings"
        case .list: return "list"
        case .choice(let values): return values.map { "`\"\($0)\"`" }.joined(separator: " or ")
        case .table: return "table"
        case .any: return "any"
        }
    }

    /// The type in LuaLS annotations.
    var luaType: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .number: return "number"
        case .boolean: return "boolean"
        case .duration: return "collector.Duration"
        case .size: return "collector.Size"
        case .stringMap: return "table<string, string>"
        case .strings: return "string[]"
        case .list: return "table[]"
        case .choice(let values): return values.map { "\"\($0)\"" }.joined(separator: "|")
        case .table: return "table"
        case .any: return "any"
        }
    }

    private static func bounds(_ range: ClosedRange<Int>?) -> String {
        guard let range else { return "" }
        if range.upperBound == Int.max { return range.lowerBound == 0 ? ", 0 or more" : ", at least \(range.lowerBound)" }
        return ", \(range.lowerBound) to \(range.upperBound)"
    }

    private static func text(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
