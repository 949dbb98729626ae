import CollectorStorage
import CollectorValues
import Collectors
import Foundation
import Testing

/// Dead letters reach a real JSON-lines file whatever the failed record
/// holds, and a file that cannot be written counts them lost, not written.
@Suite("Dead-letter delivery")
struct DeadLetterDeliveryTests {
    static func letter(_ value: DataValue, sequence: UInt64) -> DeadLetter {
        DeadLetter(
            record: Record(value, sourceID: "src", sequence: sequence),
            error: ErrorInfo(.processing, layer: .processing, operation: "process", message: "refused"))
    }

    static func nested(_ depth: Int) -> DataValue {
        var value: DataValue = .array([])
        for _ in 0..<depth { value = .array([value]) }
        return value
    }

    @Test func lettersWithNoJSONFormAreWrittenInAPortableForm() async throws {
        let dir = try TemporaryDirectory()
        let file = JSONLinesStorage(id: "dead", path: dir.file("dead.jsonl"))
        try await file.connect()
        let sink = BackendDeadLetterSink(backend: file)
        let values: [DataValue] = [
            ["v": .double(.nan)], ["v": .double(.infinity)], ["v": .double(-.infinity)],
            ["v": .bytes([0xFF, 0xFE, 0x41])], Self.nested(511),
        ]
        for (index, value) in values.enumerated() { await sink.deadLetter(Self.letter(value, sequence: UInt64(index + 1))) }
        await file.disconnect()
        #expect(sink.tally == DeadLetterTally(destination: "dead", written: 5, lost: 0))
        let lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir.file("dead.jsonl"))), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        guard lines.count == 5 else { return }
        #expect(lines[0].contains(#""record":{"v":"NaN"}"#), "\(lines[0])")
        #expect(lines[1].contains(#""record":{"v":"Infinity"}"#), "\(lines[1])")
        #expect(lines[2].contains(#""record":{"v":"-Infinity"}"#), "\(lines[2])")
        #expect(lines[3].contains(#""record":{"v":{"base64":"//5B"}}"#), "the bytes exactly: \(lines[3])")
        // The deep record: its parts past the portable depth are kept as JSON text.
        let deep = try #require(try JSONSerialization.jsonObject(with: Data(lines[4].utf8)) as? [String: Any])
        #expect(deep["error"] != nil && deep["sequence"] as? Int == 5)
        #expect(lines[4].contains(#""[[[["#), "the deeper part as text: \(lines[4].prefix(200))")
        #expect(lines.allSatisfy { $0.contains(#""message":"refused""#) }, "each keeps why it failed")
    }

    /// A record read again after a crash fails again: its letter, written
    /// again, must not be a second letter. Letters carry ids derived from
    /// their record's, one per record and failing place.
    @Test func aLetterWrittenAgainIsStoredOnce() async throws {
        let memory = MemoryStorage(id: "dead")
        try await memory.connect()
        let sink = BackendDeadLetterSink(backend: memory)
        let id = RecordID.unique()
        func failed(_ sequence: UInt64, _ error: ErrorInfo) -> DeadLetter {
            DeadLetter(record: Record(["n": 1], sourceID: "src", sequence: sequence, id: id), error: error)
        }
        let processing = ErrorInfo(.processing, layer: .processing, operation: "process", message: "refused")
        // The first run, then the next one that read the same line again (another sequence, the same id).
        await sink.deadLetter(failed(7, processing))
        await sink.deadLetter(failed(3, processing))
        #expect(await memory.count == 1, "one letter for one failed record")
        // Refused by two backends: a letter from each.
        for backend in ["a", "b", "a"] {
            await sink.deadLetter(failed(7, ErrorInfo(
                .validation, layer: .storage, operation: "store", message: "refused", details: ["backend_id": .string(backend)])))
        }
        #expect(await memory.count == 3, "one letter per backend that refused it")
        #expect(sink.tally?.lost == 0)
        // Another record that fails the same way has a letter of its own.
        await sink.deadLetter(DeadLetter(record: Record(["n": 1], sourceID: "src", sequence: 7), error: processing))
        #expect(await memory.count == 4)
    }

    @Test func aDestinationThatCannotBeWrittenCountsItsLettersLost() async throws {
        // /dev/full: every write fails with ENOSPC, like a full disk.
        let full = JSONLinesStorage(id: "full", path: "/dev/full")
        try await full.connect()
        let sink = BackendDeadLetterSink(backend: full)
        for n in 1...3 { await sink.deadLetter(Self.letter(["n": .integer(Int64(n))], sequence: UInt64(n))) }
        await full.disconnect()
        let tally = try #require(sink.tally)
        #expect(tally.written == 0 && tally.lost == 3)
        #expect(tally.lastError?.message.contains("/dev/full") == true, "\(tally.lastError?.message ?? "")")
        #expect(sink.fallback.letters.count == 3, "kept in memory meanwhile")
    }
}
