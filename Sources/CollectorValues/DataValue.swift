/// A record value: the JSON-like data that flows through a pipeline.
///
/// It is type-faithful where JSON tools usually are not: integers and floats
/// are distinct (`1` is `.integer`, `1.0` is `.double`), 64-bit integers are
/// exact, `null` is a value of its own (not a missing key), arrays and objects
/// stay what they are even when empty, and objects keep their key order.
/// Strings that are not valid UTF-8 (Lua strings are bytes) are kept as
/// `.bytes`, so nothing is lost or truncated on the way through.
public enum DataValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    /// A valid UTF-8 string (may contain NUL characters).
    case string(String)
    /// A byte string that is not valid UTF-8.
    case bytes([UInt8])
    case array([DataValue])
    case object(DataObject)
}

extension DataValue {
    /// The name of the value's kind, as error messages say it.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .double: "float"
        case .string, .bytes: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The type as an error message says what it got: `typeName`, except
    /// for bytes that are not UTF-8, which are refused where text is wanted
    /// for that: `string that is not valid UTF-8 (invalid UTF-8 byte 0xFF at byte 4)`.
    public var typeDescription: String {
        if case .bytes(let bytes) = self, let problem = UTF8Validation.problem(bytes) {
            return "string that is not valid UTF-8 (\(problem))"
        }
        return typeName
    }

    /// The field `key` of an object; `nil` for a missing key or a non-object.
    public subscript(key: String) -> DataValue? {
        get {
            guard case .object(let object) = self else { return nil }
            return object[key]
        }
        set {
            guard case .object(var object) = self else { return }
            self = .null  // drop our reference so `object` is uniquely owned
            object[key] = newValue
            self = .object(object)
        }
    }

    /// The element at `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> DataValue? {
        guard case .array(let array) = self, array.indices.contains(index) else { return nil }
        return array[index]
    }

    public var isNull: Bool { if case .null = self { true } else { false } }

    public var intValue: Int64? { if case .integer(let v) = self { v } else { nil } }

    /// The value as a Double for either number kind.
    public var numberValue: Double? {
        switch self {
        case .integer(let v): Double(v)
        case .double(let v): v
        default: nil
        }
    }

    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }

    public var boolValue: Bool? { if case .bool(let v) = self { v } else { nil } }

    public var arrayValue: [DataValue]? { if case .array(let v) = self { v } else { nil } }

    public var objectValue: DataObject? { if case .object(let v) = self { v } else { nil } }
}

// Literals make tests and embedding code read like the data they build.
extension DataValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: DataValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, DataValue)...) {
        self = .object(DataObject(elements))
    }
}

extension DataValue {
    /// Bitwise equality for doubles, so that NaN equals NaN and `-0.0` differs
    /// from `0.0`: "the same value came back", which is what round-trip checks
    /// mean. Objects compare field by field, in any order, as `==` does.
    public func isIdentical(to other: DataValue) -> Bool {
        switch (self, other) {
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isIdentical(to: $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count
                && a.allSatisfy { entry in b[entry.key].map { entry.value.isIdentical(to: $0) } ?? false }
        default: return self == other
        }
    }
}
