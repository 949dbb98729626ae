import CollectorValues

/// Checks each record against a `ValidationSchema`: a record that passes
/// goes on unchanged; one that does not fails (a `validation` error whose
/// message names the first problem's path, e.g. `$.items[2].price:
/// expected number, got string`, with every problem found, up to ten, in
/// `details.problems`), and goes to the dead letters.
public struct ValidateProcessor: Processor {
    public let name: String
    public let schema: ValidationSchema

    public init(name: String = "validate", schema: ValidationSchema) {
        self.name = name
        self.schema = schema
    }

    public func process(_ record: Record) async throws -> ProcessingResult {
        let problems = schema.problems(of: record.value)
        guard let first = problems.first else { return .success(record) }
        let more = problems.count > 1 ? " (and \(problems.count - 1) more problem\(problems.count == 2 ? "" : "s"))" : ""
        return .failure(
            ErrorInfo(
                .validation, layer: .processing, operation: "validate", message: first + more,
                details: ["processor": .string(name), "problems": .array(problems.map(DataValue.string))]))
    }
}
