import CollectorValues

/// Any Lua value, as Swift sees it.
///
/// Plain values are copied; tables, functions, userdata and threads are
/// references that keep the Lua object alive (see `LuaRef`). To get a
/// table's contents as data, use `LuaState.data(_:)`.
public enum LuaValue: Sendable {
    case `nil`
    /// The `null` sentinel (JSON null), distinct from `nil`.
    case null
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    /// A Lua string that is valid UTF-8.
    case string(String)
    /// A Lua string that is not valid UTF-8, byte for byte.
    case bytes([UInt8])
    case table(LuaTable)
    case function(LuaFunction)
    case userdata(LuaRef)
    case thread(LuaRef)
    /// A light userdata other than `null`, by address.
    case lightUserdata(UInt)

    /// Lua's name of the value's type (`type(v)` in Lua).
    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .null, .userdata, .lightUserdata: "userdata"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string, .bytes: "string"
        case .table: "table"
        case .function: "function"
        case .thread: "thread"
        }
    }

    /// The type as an error message says what it got: `typeName`, except
    /// for a string that is not valid UTF-8, which is refused for that
    /// (`string that is not valid UTF-8 (invalid UTF-8 byte 0xFF at byte 4)`).
    public var typeDescription: String {
        if case .bytes(let bytes) = self { return DataValue.bytes(bytes).typeDescription }
        return typeName
    }

    public var isNil: Bool { if case .nil = self { true } else { false } }

    public var integerValue: Int64? { if case .integer(let v) = self { v } else { nil } }

    public var numberValue: Double? {
        switch self {
        case .integer(let v): Double(v)
        case .number(let v): v
        default: nil
        }
    }

    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }

    public var booleanValue: Bool? { if case .boolean(let v) = self { v } else { nil } }

    public var functionValue: LuaFunction? { if case .function(let v) = self { v } else { nil } }

    public var tableValue: LuaTable? { if case .table(let v) = self { v } else { nil } }
}
