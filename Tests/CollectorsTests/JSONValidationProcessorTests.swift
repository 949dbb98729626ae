import CollectorMocks
import CollectorValues
import Collectors
import Testing

@Suite("JSONValidationProcessor")
struct JSONValidationProcessorTests {
    let processor = JSONValidationProcessor(name: "validator", requiredFields: ["sensor_id", "value"], now: { 1_764_388_991.5 })

    @Test func aCompleteObjectIsMarkedValidated() async throws {
        let input = record(["sensor_id": "t1", "value": 21.5, "extra": nil])
        let result = try await processor.process(input)
        #expect(result.success)
        let out = try #require(result.records.first)
        #expect(out.value["sensor_id"] == "t1")
        #expect(out.value["extra"] == .null, "null stays null")
        #expect(out.value["_validated"] == true)
        #expect(out.value["_validated_at"] == "2025-11-29T04:03:11.500Z")
        #expect(out.sourceID == input.sourceID && out.sequence == input.sequence)
    }

    @Test func aNullFieldIsPresentButAMissingOneIsNot() async throws {
        let ok = try await processor.process(record(["sensor_id": nil, "value": 1]))
        #expect(ok.success)
        let missing = try await processor.process(record(["value": 1]))
        #expect(!missing.success)
        #expect(missing.error?.type == .validation)
        #expect(missing.error?.message == "Missing required fields: sensor_id")
        #expect(missing.error?.details["missing_fields"] == ["sensor_id"])
        #expect(missing.error?.details["processor"] == "validator")
    }

    @Test func nonObjectsAreRejected() async throws {
        let number = try await processor.process(record(5))
        #expect(number.error?.message == "Invalid data type: integer")
        #expect(!processor.validateInput(record(nil)))
    }

    @Test func jsonTextOrBytesAreParsedFirst() async throws {
        let fromString = try await processor.process(record(.string(#"{"sensor_id":"t","value":3,"big":9007199254740993}"#)))
        #expect(fromString.success)
        #expect(fromString.records.first?.value["big"] == .integer(9_007_199_254_740_993), "64-bit integers are exact")
        #expect(fromString.records.first?.value["_validated"] == true)
        let fromBytes = try await processor.process(record(.bytes(Array(#"{"sensor_id":"t","value":1.5}"#.utf8) + [])))
        #expect(fromBytes.records.first?.value["value"] == .double(1.5))
        let broken = try await processor.process(record(.string("{\"sensor_id\": ")))
        #expect(!broken.success)
        #expect(broken.error?.message.hasPrefix("JSON decode error: ") == true)
        let array = try await processor.process(record(.string("[1, 2]")))
        #expect(array.error?.message == "Invalid data type: expected a JSON object, got array")
    }

    @Test func failuresGoToTheDeadLetterSinkThroughTheManager() async {
        let sink = InMemoryDeadLetterSink()
        let manager = ProcessingManager(processors: [processor], errorHandler: MockErrorHandler(), deadLetters: sink)
        let out = await manager.process(batch: [record(["sensor_id": "a", "value": 1]), record(["value": 2], sequence: 2)])
        #expect(out.count == 1)
        #expect(sink.letters.map(\.record.sequence) == [2])
    }
}
