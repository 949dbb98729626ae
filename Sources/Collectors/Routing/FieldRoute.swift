import CollectorValues

/// Routes a record by the value of one of its top-level fields: each value
/// names its outputs; a value not listed, or a missing or null field, names none.
///
/// Integers and floats with the same value are the same value (a field
/// `500.0` matches the value `500`). From a record that travels as JSON text,
/// only the field is read.
public struct FieldRoute: Sendable {
    public let field: String
    public let outputs: [DataValue: [String]]
    private let picker: JSONFieldPicker

    public init(field: String, outputs: [DataValue: [String]]) {
        self.field = field
        var normalized: [DataValue: [String]] = [:]
        for (value, names) in outputs { normalized[Self.key(value), default: []] += names }
        self.outputs = normalized
        picker = JSONFieldPicker([field])
    }

    /// The outputs the field's value names in `record` (none when it names none).
    public func outputs(for record: Record) -> [String] {
        guard let value = record.fields(picker).first ?? nil else { return [] }
        return outputs[Self.key(value)] ?? []
    }

    var namedOutputs: [String] { outputs.values.flatMap { $0 } }

    /// One key for equal numbers (`2` and `2.0`).
    private static func key(_ value: DataValue) -> DataValue {
        if case .double(let number) = value, let exact = Int64(exactly: number) { return .integer(exact) }
        return value
    }
}
