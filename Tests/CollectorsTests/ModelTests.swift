import CollectorMocks
import CollectorValues
import Foundation
import Testing

@testable import Collectors

@Suite("Models")
struct ModelTests {
    @Test func eventTypesUseTheSeedsSnakeCaseNames() {
        #expect(EventType.collectionComplete.rawValue == "collection_complete")
        #expect(EventType.storageComplete.rawValue == "storage_complete")
        #expect(EventType.deadLetter.rawValue == "dead_letter")
        #expect(EventType.sourceStatusChanged.rawValue == "source_status_changed")
        #expect(EventType("custom_thing") == EventType(rawValue: "custom_thing"))
    }

    @Test func statusEnumsHaveTheSeedsCases() {
        #expect(CollectionStatus.allCases.map(\.rawValue) == [
            "idle", "connecting", "connected", "collecting", "completed", "failed", "disconnected",
        ])
        #expect(TaskStatus.allCases.map(\.rawValue) == ["pending", "running", "completed", "failed", "cancelled"])
    }

    @Test func aRecordCarriedAsTextIsTheSameRecordAsItsValue() throws {
        let value: DataValue = ["id": 7, "f": 1.0, "tags": ["a", nil], "name": "é"]
        let asValue = Record(value, sourceID: "s", sequence: 3, collectedAt: Date(timeIntervalSince1970: 5))
        let text = try JSONWriter().bytes(value)[...]
        let asText = asValue.with(jsonText: text)
        #expect(asText.jsonText == text)
        #expect(asValue.jsonText == nil)
        #expect(asText.value.isIdentical(to: value))
        #expect(asText == asValue)
        #expect(Set([asText, asValue]).count == 1)
        // Setting the value leaves the text behind.
        var changed = asText
        changed.value["id"] = 8
        #expect(changed.jsonText == nil)
        #expect(changed.value["id"] == 8)
        #expect(changed != asText)
        let picker = JSONFieldPicker(["name", "missing", "id"])
        #expect(asText.fields(picker) == asValue.fields(picker))
        #expect(asText.fields(picker) == ["é", nil, 7])
        #expect(Record("scalar", sourceID: "s", sequence: 1).fields(picker) == [nil, nil, nil])
    }

    @Test func processingResultsCarryZeroOneOrManyRecords() {
        let r = record(1)
        #expect(ProcessingResult.success(r).records == [r])
        #expect(ProcessingResult.dropped.success && ProcessingResult.dropped.records.isEmpty)
        let many = ProcessingResult.success([r, r.with(value: 2)])
        #expect(many.records.map(\.value) == [1, 2])
        #expect(many.records.allSatisfy { $0.sourceID == "s" && $0.sequence == 1 })
        let failure = ProcessingResult.failure(permanent)
        #expect(!failure.success && failure.records.isEmpty && failure.error == permanent)
    }

    @Test func anyErrorBecomesAnErrorInfo() {
        struct Flaky: RetryableError, CustomStringConvertible {
            var isRetryable: Bool { true }
            var description: String { "flaky" }
        }
        let fromFlaky = ErrorInfo(from: Flaky(), type: .connection, layer: .collection, operation: "collect")
        #expect(fromFlaky.type == .connection && fromFlaky.isRetryable && fromFlaky.message == "flaky")

        let cancelled = ErrorInfo(from: CancellationError(), layer: .storage, operation: "store")
        #expect(cancelled.type == .cancelled && !cancelled.isRetryable)

        var original = permanent
        original.details["a"] = 1
        let kept = ErrorInfo(from: original, layer: .storage, operation: "x", details: ["a": 2, "b": 3])
        #expect(kept.layer == original.layer && kept.operation == original.operation)
        #expect(kept.details["a"] == 1 && kept.details["b"] == 3)
    }

    @Test func errorInfoAsObjectNamesEveryField() {
        let error = ErrorInfo(
            .timeout, layer: .collection, operation: "collect", message: "slow", details: ["source_id": "api"],
            isCritical: true, isRetryable: true, timestamp: Date(timeIntervalSince1970: 0))
        let object = error.object
        #expect(object["type"] == "timeout")
        #expect(object["layer"] == "collection")
        #expect(object["operation"] == "collect")
        #expect(object["message"] == "slow")
        #expect(object["details"] == ["source_id": "api"])
        #expect(object["critical"] == true && object["retryable"] == true)
        #expect(object["timestamp"] == "1970-01-01T00:00:00.000Z")
    }

    @Test func isoTimestampsMatchFoundationsFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for seconds in [0.0, 951_782_400.5, 1_764_388_991.123, -86_400.25, 4_102_444_800.999, 1_709_164_800] {
            let expected = formatter.string(from: Date(timeIntervalSince1970: seconds))
            #expect(ISO8601Timestamp.string(secondsSince1970: seconds) == expected, "\(seconds)")
        }
    }

    @Test func deadLetterValueCarriesRecordAndError() {
        let letter = DeadLetter(record: record(["x": 1], source: "api", sequence: 7), error: permanent)
        #expect(letter.value["record"] == ["x": 1])
        #expect(letter.value["source_id"] == "api")
        #expect(letter.value["sequence"] == 7)
        #expect(letter.value["error"]?["message"] == "permanent")
    }
}
