import CollectorValues
import Foundation

extension DeadLetter {
    /// How deep the failed record may nest in a letter before its deeper parts
    /// are kept as JSON text: a letter wraps the record, so a record at a
    /// backend's own limit would otherwise push the letter past it.
    public static let portableDepth = 64

    /// The letter in a form every backend takes, so that a record which
    /// failed for what it holds still reaches the dead-letter destination:
    /// NaN and ±infinity become the strings `"NaN"`, `"Infinity"` and
    /// `"-Infinity"`; a string that is not UTF-8 becomes `{"base64": "..."}`
    /// (its bytes, exactly); the record's parts nested deeper than
    /// `portableDepth` become their JSON text (a string). Values that have a
    /// JSON form anyway are left as they are.
    public var portableValue: DataValue {
        var letter = value
        letter["record"] = Self.portable(record.value, depth: 0, limit: Self.portableDepth)
        letter["error"] = Self.portable(.object(error.object), depth: 0, limit: Self.portableDepth)
        return letter
    }

    static func portable(_ value: DataValue, depth: Int, limit: Int) -> DataValue {
        switch value {
        case .null, .bool, .integer, .string: return value
        case .double(let number):
            if number.isNaN { return "NaN" }
            if number.isInfinite { return .string(number < 0 ? "-Infinity" : "Infinity") }
            return value
        case .bytes(let bytes):
            return ["base64": .string(Data(bytes).base64EncodedString())]
        case .array, .object:
            guard depth < limit else { return .string(text(portable(value, depth: 0, limit: .max))) }
            if case .array(let items) = value {
                return .array(items.map { portable($0, depth: depth + 1, limit: limit) })
            }
            guard case .object(var object) = value else { return value }
            for key in object.fieldNames { object[key] = portable(object[key] ?? .null, depth: depth + 1, limit: limit) }
            return .object(object)
        }
    }

    /// JSON text of a value made portable (nothing in it can fail but depth,
    /// which a value the engine built never reaches past its readers' limits).
    private static func text(_ value: DataValue) -> String {
        let writer = JSONWriter(maxDepth: 100_000)
        guard let bytes = try? writer.bytes(value) else { return "<nested too deep to write>" }
        return String(decoding: bytes, as: UTF8.self)
    }
}
