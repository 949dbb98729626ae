import CSQLite
import CollectorSQLite
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite("SQLiteSpool")
struct SQLiteSpoolTests {
    func records(_ range: Range<Int>, source: String = "s") -> [Record] {
        range.map { Record(["n": .integer(Int64($0))], sourceID: source, sequence: UInt64($0)) }
    }

    @Test func queuesKeepTheirOrderAndOneAnother() async throws {
        let dir = try TemporaryDirectory()
        let spool = SQLiteSpool(path: dir.file("spool.db"))
        try await spool.append(records(0..<3), to: "p/a")
        try await spool.append(records(100..<102), to: "p/b")
        try await spool.append(records(3..<5), to: "p/a")
        #expect(try await spool.depths() == ["p/a": 5, "p/b": 2])
        let first = try await spool.oldest(in: "p/a", limit: 4)
        #expect(first.records.map { $0.value["n"] } == [0, 1, 2, 3])
        try await spool.remove(through: first.mark, from: "p/a")
        let rest = try await spool.oldest(in: "p/a", limit: 10)
        #expect(rest.records.map { $0.value["n"] } == [4])
        #expect(try await spool.depths() == ["p/a": 1, "p/b": 2])
        try await spool.remove(through: rest.mark, from: "p/a")
        #expect(try await spool.oldest(in: "p/a", limit: 10).isEmpty)
        #expect(try await spool.oldest(in: "p/b", limit: 10).records.count == 2)
    }

    @Test func aNewSpoolOnTheSameFileHasWhatTheLastOneKept() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("spool.db")
        let stored = records(0..<50)
        do {
            let before = SQLiteSpool(path: path)
            try await before.append(Array(stored[0..<20]), to: "p/db")
            try await before.append(Array(stored[20...]), to: "p/db")
            await before.close()
        }
        let after = SQLiteSpool(path: path)
        let back = try await after.oldest(in: "p/db", limit: 100)
        #expect(back.records.map(\.id) == stored.map(\.id), "ids survive, so a replay adds nothing twice")
        #expect(back.records.map(\.value) == stored.map(\.value))
        #expect(back.records.map(\.sequence) == stored.map(\.sequence))
        #expect(back.records.map(\.sourceID) == stored.map(\.sourceID))
        #expect(abs(back.records[0].collectedAt.timeIntervalSince(stored[0].collectedAt)) < 0.001)
    }

    @Test func valuesComeBackExactlyEvenWhereJSONCannotSayThem() async throws {
        let dir = try TemporaryDirectory()
        let spool = SQLiteSpool(path: dir.file("spool.db"))
        let value: DataValue = [
            "nan": .double(.nan), "inf": .double(-.infinity), "zero": .double(-0.0), "big": .integer(.max),
            "one": .double(1), "raw": .bytes([0xFF, 0x00, 0xC3]), "nul": "a\u{0}b", "empty": .array([]),
            "nested": ["list": [1, "two", nil, true, ["k": [:]]]],
        ]
        try await spool.append([Record(value, sourceID: "s", sequence: 1)], to: "q")
        let back = try #require(try await spool.oldest(in: "q", limit: 1).records.first?.value)
        #expect(back["nan"]?.numberValue?.isNaN == true)
        var withoutNaN = back
        withoutNaN["nan"] = nil
        var expected = value
        expected["nan"] = nil
        #expect(withoutNaN == expected)
        #expect(back.objectValue?.fieldNames == value.objectValue?.fieldNames, "key order")
        if case .double(let zero) = back["zero"] { #expect(zero.sign == .minus) } else { Issue.record("-0.0 lost") }
    }

    @Test func nothingIsCreatedUntilSomethingIsSpooled() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("spool.db")
        let spool = SQLiteSpool(path: path)
        #expect(try await spool.depths().isEmpty)
        #expect(try await spool.oldest(in: "q", limit: 5).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
        try await spool.append(records(0..<1), to: "q")
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aFullSpoolRefusesTheWholeBatchWithALimitError() async throws {
        let dir = try TemporaryDirectory()
        let spool = SQLiteSpool(path: dir.file("spool.db"), options: .init(maxSize: 256 << 10))
        let big = DataValue.string(String(repeating: "x", count: 4_000))
        let batch = (0..<20).map { Record(big, sourceID: "s", sequence: UInt64($0)) }
        var kept = 0
        var refusal: ErrorInfo?
        while refusal == nil, kept < 10_000 {
            do {
                try await spool.append(batch, to: "p/db")
                kept += batch.count
            } catch let error as ErrorInfo {
                refusal = error
            }
        }
        let error = try #require(refusal)
        #expect(error.type == .limit)
        #expect(error.message.contains("is full"), "\(error.message)")
        #expect(error.message.contains("20 records for p/db were not kept"))
        #expect(try await spool.depths() == ["p/db": kept], "nothing of the refused batch is kept")
        // Replaying frees room for more.
        let oldest = try await spool.oldest(in: "p/db", limit: 40)
        try await spool.remove(through: oldest.mark, from: "p/db")
        try await spool.append(batch, to: "p/db")
    }

    @Test func aFileThatIsNotASpoolIsAClearError() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("spool.db")
        try writeNotADatabase(path)
        let error = await #expect(throws: ErrorInfo.self) { try await SQLiteSpool(path: path).depths() }
        #expect(error?.message.contains("the spool \(path) is not an SQLite database or is damaged") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("move it away") == true)
        #expect(error?.details["sqlite_code"] == 26)  // SQLITE_NOTADB
    }

    @Test func aDamagedRowIsAClearError() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("spool.db")
        let spool = SQLiteSpool(path: path)
        try await spool.append(records(0..<2), to: "q")
        await spool.close()
        try RawSQLite(path: path).execute("UPDATE collector_spool SET value = x'07ff' WHERE seq = 2")
        let error = await #expect(throws: ErrorInfo.self) { try await spool.oldest(in: "q", limit: 5) }
        #expect(error?.message.contains("the spool \(path) is damaged: row 2 holds a value that cannot be read") == true, "\(error?.message ?? "")")
        // Another program's database is not taken for a spool either.
        let other = dir.file("other.db")
        try RawSQLite(path: other).execute("CREATE TABLE collector_spool (x INTEGER)")
        let wrong = await #expect(throws: ErrorInfo.self) { try await SQLiteSpool(path: other).depths() }
        #expect(wrong?.message.contains("its table collector_spool is not a spool's") == true, "\(wrong?.message ?? "")")
    }
}
