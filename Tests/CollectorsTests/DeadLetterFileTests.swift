import CollectorValues
import Foundation
import Testing

@testable import Collectors

/// Reading a dead-letter file back gives the records its letters were written for.
@Suite("Dead-letter files")
struct DeadLetterFileTests {
    static let failure = ErrorInfo(.processing, layer: .processing, operation: "process", message: "bad")

    static func line(_ letter: DeadLetter) throws -> String {
        String(decoding: try JSONWriter().bytes(letter.portableValue), as: UTF8.self)
    }

    @Test func aLetterReadBackIsItsRecordWithItsPlaceAndAttempt() throws {
        let record = Record(
            ["n": 1, "tag": "a"], sourceID: "api", sequence: 42, collectedAt: Date(timeIntervalSince1970: 1_700_000_000.25))
        let bytes = Record(.bytes([0x7B, 0xFF, 0x7D]), sourceID: "file-1", sequence: 3)
        let text = try [
            Self.line(DeadLetter(record: record, error: Self.failure)),
            "",
            Self.line(DeadLetter(record: bytes, error: Self.failure, attempt: 4)),
        ].joined(separator: "\n")
        let file = DeadLetterFile(bytes: Array(text.utf8))
        #expect(file.badLines.isEmpty)
        try #require(file.entries.count == 2)
        let first = file.entries[0]
        #expect(first.record.value == ["n": 1, "tag": "a"])
        #expect(first.record.sourceID == "api" && first.record.sequence == 42 && first.record.id == record.id)
        #expect(first.record.collectedAt.timeIntervalSince1970 == 1_700_000_000.25)
        #expect(first.attempt == 1 && first.line == 1 && first.layer == "processing")
        #expect(file.entries[1].record.value == .bytes([0x7B, 0xFF, 0x7D]), "base64 comes back as the bytes")
        #expect(file.entries[1].attempt == 4 && file.entries[1].line == 3)
    }

    @Test func aRecordOnSeveralLinesIsReplayedOnceFromItsLatestAttempt() throws {
        let record = Record(["n": 1], sourceID: "api", sequence: 1)
        let text = try [1, 3, 2].map { try Self.line(DeadLetter(record: record, error: Self.failure, attempt: $0)) }
            .joined(separator: "\n")
        let file = DeadLetterFile(bytes: Array(text.utf8))
        #expect(file.entries.count == 1 && file.entries.first?.attempt == 3 && file.duplicates == 2)
        let attempts = ReplayAttempts(file.entries)
        #expect(attempts.next(for: record) == 4)
        #expect(attempts.next(for: Record(["n": 1], sourceID: "api", sequence: 1, id: record.id.child(0))) == 4,
                "a record a processor made from it counts from its attempt too")
    }

    @Test func linesThatAreNotLettersAreNamed() {
        let text = """
            {"record":{"n":1},"source_id":"s","sequence":1,"error":{"message":"x"}}
            {"n":1}
            not json
            [1,2]
            {"record":{},"source_id":"s","sequence":-1,"error":{}}
            {"record":{},"source_id":"s","sequence":1,"error":{},"record_id":"nope"}
            {"record":{},"source_id":"s","sequence":1,"error":{},"attempt":0}
            """
        let file = DeadLetterFile(bytes: Array(text.utf8))
        #expect(file.entries.count == 1)
        #expect(file.badLines.map(\.line) == [2, 3, 4, 5, 6, 7])
        #expect(file.badLines.first?.reason == "not a dead letter: no 'record' field")
        #expect(file.badLines.contains { $0.reason.hasPrefix("'record_id' must be a record id") })
    }

    @Test func lettersWithoutARecordIDGetTheSameIDOnEveryRead() {
        let text = #"{"record":{"n":1},"source_id":"s","sequence":5,"error":{"message":"x"}}"#
        let once = DeadLetterFile(bytes: Array(text.utf8)).entries.first?.record.id
        let again = DeadLetterFile(bytes: Array(text.utf8)).entries.first?.record.id
        #expect(once != nil && once == again)
    }

    @Test func recordIDsReadBackFromTheirText() {
        let id = RecordID.unique()
        #expect(RecordID(uuidString: id.uuidString) == id)
        #expect(RecordID(uuidString: id.uuidString.uppercased()) == id)
        #expect(RecordID(uuidString: "not-a-uuid") == nil)
        #expect(RecordID(uuidString: "0190a1b2-c3d4-4e5f-a6b7-c8d9e0f1a2b3") == nil, "a UUID of another version")
    }

    @Test func aLetterOfALaterAttemptIsANewLetter() {
        let record = Record(["n": 1], sourceID: "api", sequence: 1)
        let first = DeadLetter(record: record, error: Self.failure)
        let second = DeadLetter(record: record, error: Self.failure, attempt: 2)
        #expect(first.id != second.id)
        #expect(second.value["attempt"] == 2 && second.value["record_id"] == .string(record.id.uuidString))
    }
}
