import CollectorMocks
import CollectorValues
import Collectors
import Testing

/// Takes JSON documents undecoded (as a Lua processor does), decodes them
/// itself, and gives a summary record when it finishes.
private final class DecodingCounter: JSONDocumentProcessor, Sendable {
    let name = "counter"
    let seen = Locked([String]())

    func process(_ record: Record) async throws -> ProcessingResult { .success(record) }

    func process(documents: [JSONDocument]) async -> [ProcessingResult] {
        documents.map { document in
            seen.withLock { $0.append(String(decoding: document.bytes, as: UTF8.self)) }
            do throws(JSONError) {
                let value = try JSONReader().read(document.bytes)
                return .success(Record(value, sourceID: document.sourceID, sequence: document.sequence))
            } catch {
                return .failure(ErrorInfo.decoding(error))
            }
        }
    }

    func finish() async -> [ProcessingResult] {
        let count = seen.withLock { $0.count }
        return [.success(Record(["documents": .integer(Int64(count))], sourceID: name, sequence: 1))]
    }
}

// The time limit only guards against a hang (a lost wake-up); no test measures speed.
@Suite("JSON documents on the data path", .timeLimit(.minutes(1)))
struct DocumentPathTests {
    @Test func aDecodingProcessorGetsTheLinesUndecodedAndItsFinishIsStored() async throws {
        let lines = "{\"n\":1}\r\n\n  \n{\"n\":2,}\n{\"n\":3}"
        let source = MockDataSource(id: "lines", payloads: [Array(lines.utf8)], format: .jsonLines)
        let counter = DecodingCounter()
        let tag = MockProcessor(name: "tag", transform: { r in
            var value = r.value
            value["tagged"] = true
            return .success(r.with(value: value))
        })
        let backend = MockStorageBackend()
        let sink = InMemoryDeadLetterSink()
        let pipeline = try Pipeline(
            sources: [source], processors: [counter, tag], backends: [backend],
            errorHandler: MockErrorHandler(), deadLetters: sink)
        let report = await pipeline.run()
        // Blank lines skipped, the CR of a CRLF line end removed, nothing decoded before the processor.
        #expect(counter.seen.withLock { $0 } == [#"{"n":1}"#, #"{"n":2,}"#, #"{"n":3}"#])
        #expect(backend.records == [
            ["n": 1, "tagged": true], ["n": 3, "tagged": true], ["documents": 3, "tagged": true],
        ])
        // The broken line is dead-lettered as its text, numbered in order, as a decoding error.
        let letter = try #require(sink.letters.first)
        #expect(letter.record.value == .string(#"{"n":2,}"#))
        #expect(letter.record.sequence == 2)
        #expect(letter.error.operation == "decode")
        #expect(letter.error.details["processor"] == nil)
        #expect(report.processing.input == 3)
        #expect(report.processing.failed == 1)
        #expect(report.processing.output == 3)
    }

    @Test func documentsAreDecodedForProcessorsThatDoNotDecode() async throws {
        let lines = "{\"n\":1}\n[1,2\n{\"n\":3}\n"
        let source = MockDataSource(id: "lines", payloads: [Array(lines.utf8)], format: .jsonLines)
        let backend = MockStorageBackend()
        let sink = InMemoryDeadLetterSink()
        let pipeline = try Pipeline(
            sources: [source], processors: [MockProcessor(name: "pass")], backends: [backend],
            errorHandler: MockErrorHandler(), deadLetters: sink)
        let report = await pipeline.run()
        #expect(backend.records == [["n": 1], ["n": 3]])
        #expect(sink.letters.map(\.record.value) == ["[1,2"])
        #expect(sink.letters.first?.error.details["source_id"] == "lines")
        #expect(report.processing.input == 3 && report.processing.failed == 1)
    }
}
