import CollectorValues
import Foundation

/// Checks that records are JSON objects with the required fields, and marks
/// them `_validated: true` with `_validated_at` (ISO-8601, UTC).
/// (Seed: `JSONValidationProcessor`.)
///
/// The input may be an object already, or a string or bytes holding JSON,
/// which is parsed first. A field whose value is `null` is present: only a
/// missing key fails. Failures are `.validation` errors naming the missing fields.
public struct JSONValidationProcessor: Processor {
    public let name: String
    public let requiredFields: [String]
    private let secondsSince1970: @Sendable () -> Double

    /// - Parameter now: the time to stamp, in seconds since 1970 (injectable for tests).
    public init(
        name: String = "json_validation", requiredFields: [String],
        now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.name = name
        self.requiredFields = requiredFields
        secondsSince1970 = now
    }

    public func validateInput(_ record: Record) -> Bool {
        !record.value.isNull
    }

    public func process(_ record: Record) async throws -> ProcessingResult {
        let start = ContinuousClock.now
        func fail(_ message: String, _ details: DataObject = DataObject()) -> ProcessingResult {
            var details = details
            details["processor"] = .string(name)
            return .failure(
                ErrorInfo(.validation, layer: .processing, operation: "process", message: message, details: details),
                processingTime: ContinuousClock.now - start)
        }

        let parsed: DataValue
        switch record.value {
        case .object:
            parsed = record.value
        case .string(let text):
            switch RecordDecoder.json(ArraySlice(text.utf8)) {
            case .success(let value): parsed = value
            case .failure(let error): return fail("JSON decode error: \(error.message)")
            }
        case .bytes(let bytes):
            switch RecordDecoder.json(bytes[...]) {
            case .success(let value): parsed = value
            case .failure(let error): return fail("JSON decode error: \(error.message)")
            }
        default:
            return fail("Invalid data type: \(record.value.typeName)")
        }
        guard case .object(var object) = parsed else {
            return fail("Invalid data type: expected a JSON object, got \(parsed.typeName)")
        }
        let missing = requiredFields.filter { object[$0] == nil }
        if !missing.isEmpty {
            return fail(
                "Missing required fields: \(missing.joined(separator: ", "))",
                ["missing_fields": .array(missing.map(DataValue.string))])
        }
        object["_validated"] = true
        object["_validated_at"] = .string(ISO8601Timestamp.string(secondsSince1970: secondsSince1970()))
        return .success(record.with(value: .object(object)), processingTime: ContinuousClock.now - start)
    }
}
