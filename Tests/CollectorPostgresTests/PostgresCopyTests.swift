import CollectorPostgres
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

/// The `COPY` batch method against the `INSERT` one: the same records,
/// stored both ways with the same record ids, read back the same; refused
/// the same way, the whole batch with them.
@Suite("PostgresStorage, COPY against INSERT", .serialized, .enabled(if: !PostgresTestEnvironment.optedOut))
struct PostgresCopyTests {
    static let typedColumns: [Column] = [
        Column("t", .text), Column("i", .integer), Column("r", .real), Column("b", .boolean), Column("j", .json),
    ]

    func makeStorage(
        _ prefix: String, layout: TableLayout = .document, method: PostgresBatchMethod
    ) async throws -> (PostgresStorage, String, String) {
        let url = try PostgresTestEnvironment.url()
        let table = PostgresTestEnvironment.uniqueTable(prefix)
        let storage = try PostgresStorage(
            id: "pg-\(method.rawValue)", url: url, options: PostgresOptions(table: table, layout: layout, batchMethod: method))
        try await storage.connect()
        return (storage, url, table)
    }

    // MARK: tricky values, both ways

    /// Random records (a fixed seed, so a failure repeats) built from the
    /// pieces most likely to break an escaping: the COPY text format's own
    /// specials (tab, newline, carriage return, backslash, `\N`, `\.`),
    /// quotes, other control characters, non-ASCII, empty and very long
    /// strings, nulls, JSON nested with all of these, integers at the Int64
    /// bounds and doubles such as -0.0 and 1e-300. Stored once by `COPY` and
    /// once by `INSERT`, in batches of several sizes: the tables hold the same
    /// text, and the records read back identical.
    @Test(arguments: ["document", "typed"])
    func trickyValuesReadBackAsTheInsertPathStoresThem(_ layoutName: String) async throws {
        let layout: TableLayout = layoutName == "document" ? .document : .columns(Self.typedColumns)
        var generator = TrickyValues(seed: 20_261_129)
        var values: [DataValue] = TrickyValues.cornerCases(typed: layoutName == "typed")
        for _ in 0..<400 { values.append(layoutName == "document" ? generator.document() : generator.typedRow()) }
        let records = values.enumerated().map { Record($1, sourceID: "tricky", sequence: UInt64($0 + 1)) }

        let (copy, url, copyTable) = try await makeStorage("cp", layout: layout, method: .copy)
        let (insert, _, insertTable) = try await makeStorage("in", layout: layout, method: .insert)
        // Batches of 1, 7, 50 and the rest: the stage table is reused between them.
        var start = 0
        for size in [1, 7, 50, records.count] where start < records.count {
            let batch = Array(records[start..<min(start + size, records.count)])
            _ = try await copy.store(records: batch)
            _ = try await insert.store(records: batch)
            start += batch.count
        }

        #expect(try psqlValue(url, "SELECT count(*) FROM \(copyTable)") == "\(records.count)")
        #expect(try psqlValue(url, "SELECT count(*) FROM \(insertTable)") == "\(records.count)")
        // Row by row, by record id: the same text in every column (text, not
        // equality, so that -0 and 0 or 1 and 1.0 would differ), in the same order.
        let columns = layoutName == "document" ? ["data"] : Self.typedColumns.map { "\"\($0.name)\"" }
        let differ = columns.map { "c.\($0)::text IS DISTINCT FROM i.\($0)::text" }.joined(separator: " OR ")
        #expect(try psqlValue(url, """
            SELECT count(*) FROM \(copyTable) c FULL JOIN \(insertTable) i USING (location_id) \
            WHERE c.id IS DISTINCT FROM i.id OR \(differ)
            """) == "0")

        let viaCopy = try await copy.query(QueryCriteria())
        let viaInsert = try await insert.query(QueryCriteria())
        try #require(viaCopy.count == records.count && viaInsert.count == records.count)
        for index in records.indices {
            #expect(viaCopy[index].isIdentical(to: viaInsert[index]), "record \(index): \(viaCopy[index]) vs \(viaInsert[index])")
        }
        if layoutName == "typed" {
            // Typed scalar columns give back exactly what was stored (jsonb
            // has its own number forms, -0.0 becoming 0.0: compared above
            // between the methods only).
            for index in records.indices {
                for field in ["t", "i", "r", "b"] {
                    let stored = records[index].value[field] ?? .null
                    let back = viaCopy[index][field] ?? .null
                    #expect(TrickyValues.same(stored, back), "record \(index) field \(field): \(stored) vs \(back)")
                }
            }
        }
        await copy.disconnect()
        await insert.disconnect()
    }

    /// A value too long for its column, in the middle of a batch big enough
    /// to be sent in several pieces: the server refuses the batch whole with
    /// the same error (22001, `.validation`, not retryable) either way, and
    /// the connection goes on working.
    @Test(arguments: PostgresBatchMethod.allCases)
    func aValueTooLongFailsTheWholeBatchEitherWay(_ method: PostgresBatchMethod) async throws {
        let columns = [Column("code", .text, nullable: false, sqlType: "varchar(10)"), Column("pad", .text)]
        let (storage, url, table) = try await makeStorage("long", layout: .columns(columns), method: method)
        let pad = String(repeating: "p", count: 200)
        var batch: [DataValue] = (0..<5_000).map { ["code": .string("ok-\($0)"), "pad": .string(pad)] }
        batch[1_234]["code"] = "much-too-long"
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: batch) }
        #expect(error?.type == .validation)
        #expect(error?.details["sqlstate"] == "22001")
        #expect(error?.message.contains("too long") == true)
        #expect(error?.message.contains("nothing of the batch was stored") == true)
        #expect(error?.isRetryable == false)
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "0")
        batch[1_234]["code"] = "ok-1234"
        _ = try await storage.store(batch: batch)
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "5000")
        #expect(try psqlValue(url, "SELECT code FROM \(table) ORDER BY id LIMIT 1 OFFSET 1234") == "ok-1234")
    }

    /// Records refused before the server (a wrong type, a NUL in text, bytes
    /// that are not UTF-8, a value JSON cannot hold), late in a batch whose
    /// first rows are already on their way: the same error, word for word,
    /// from both methods; nothing stored; the connection still works.
    @Test func recordsRefusedBeforeTheServerFailTheSameWay() async throws {
        let cases: [(String, DataValue)] = [
            ("i", .double(1.5)), ("t", .string("nul\u{0}")), ("t", .bytes([0xFF, 0xFE])), ("j", .double(.nan)),
            ("b", .string("yes")),
        ]
        for (field, bad) in cases {
            var messages: [String] = []
            for method in PostgresBatchMethod.allCases {
                let (storage, url, table) = try await makeStorage("bad", layout: .columns(Self.typedColumns), method: method)
                var batch: [DataValue] = (0..<3_000).map { ["t": .string("row \($0) " + String(repeating: "x", count: 100)), "i": .integer(Int64($0))] }
                batch[2_999][field] = bad
                let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: batch) }
                #expect(error?.type == .validation, "\(method) \(field)")
                #expect(error?.message.contains("record 2999") == true, "\(method): \(String(describing: error?.message))")
                messages.append(error?.message ?? "")
                #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "0")
                _ = try await storage.store(batch: Array(batch.prefix(10)))
                #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "10")
                await storage.disconnect()
            }
            #expect(messages[0] == messages[1], "\(field)")
            if field == "b" {
                #expect(messages[0].contains("field 'b' is string, but column 'b' holds boolean values"), "\(messages[0])")
            }
        }
    }

    /// jsonb refuses a NUL (`\u0000`), which reaches the server escaped like
    /// any other backslash: the batch fails with `.validation` either way.
    @Test(arguments: PostgresBatchMethod.allCases)
    func aNULInADocumentFailsTheBatch(_ method: PostgresBatchMethod) async throws {
        let (storage, url, table) = try await makeStorage("nul", method: method)
        let error = await #expect(throws: ErrorInfo.self) {
            try await storage.store(batch: [["s": "fine"], ["s": "nul\u{0}", "k": ["deep\\": "\u{0}"]]])
        }
        #expect(error?.type == .validation)
        #expect(error?.details["sqlstate"] == "22P05")
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "0")
    }

    /// The upstream isolation: a batch with one record the server refuses
    /// fails with `.validation`, and `StorageManager` then stores its records
    /// one by one, so only that record fails.
    @Test(arguments: PostgresBatchMethod.allCases)
    func theStorageManagerIsolatesARefusedRecord(_ method: PostgresBatchMethod) async throws {
        let columns = [Column("code", .text, nullable: false, sqlType: "varchar(10)"), Column("n", .integer)]
        let (storage, url, table) = try await makeStorage("iso", layout: .columns(columns), method: method)
        let reported = Locked([(ErrorInfo, ErrorDecision)]())
        let handler = DefaultErrorHandler(logger: { error, decision in reported.withLock { $0.append((error, decision)) } })
        let manager = StorageManager(
            backends: [storage], configuration: .init(batchSize: 50, retryPolicy: .never), errorHandler: handler)
        let records = (0..<50).map { i in
            Record(["code": .string(i == 17 ? "much-too-long" : "ok-\(i)"), "n": .integer(Int64(i))], sourceID: "iso", sequence: UInt64(i + 1))
        }
        await manager.submit(records)
        await manager.flush()
        let statistics = await manager.statistics
        #expect(statistics.stored[storage.id] == 49)
        #expect(statistics.failed[storage.id] == 1)
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "49")
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table) WHERE n = 17") == "0")
        #expect(try psqlValue(url, "SELECT string_agg(n::text, ',' ORDER BY id) FROM \(table) WHERE n < 20")
            == "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,18,19")
        // What is logged is what happened: one record refused and dead-lettered,
        // not a batch of 50 of which "nothing was stored".
        let errors = reported.withLock { $0 }
        #expect(errors.count == 1)
        #expect(errors.first?.0.details["sequence"] == 18)
        #expect(errors.first?.1 == .deadLetter)
        #expect(errors.first.map { !$0.0.message.contains("nothing of the batch was stored") } == true, "\(errors)")
        #expect(errors.first?.0.message.hasSuffix("after its batch of 50 was refused: 49 of 50 stored)") == true, "\(errors)")
    }

    /// A batch stored twice (as a retry after a lost acknowledgement would):
    /// the second time stores nothing, in either method; one record repeated
    /// inside a batch is stored once; a batch half of which is stored already
    /// adds the other half, in its order.
    @Test(arguments: PostgresBatchMethod.allCases)
    func aBatchStoredAgainStoresNothingTwice(_ method: PostgresBatchMethod) async throws {
        let (storage, url, table) = try await makeStorage("again", method: method)
        let records = (0..<20).map { Record(["n": .integer(Int64($0))], sourceID: "again", sequence: UInt64($0 + 1)) }
        _ = try await storage.store(records: records)
        _ = try await storage.store(records: records + [records[3]])
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "20")
        #expect(try psqlValue(url, "SELECT string_agg(data->>'n', ',' ORDER BY id) FROM \(table)")
            == (0..<20).map(String.init).joined(separator: ","))
        let more = (20..<40).map { Record(["n": .integer(Int64($0))], sourceID: "again", sequence: UInt64($0 + 1)) }
        _ = try await storage.store(records: Array(records[10...]) + more)
        #expect(try psqlValue(url, "SELECT string_agg(data->>'n', ',' ORDER BY id) FROM \(table)")
            == (0..<40).map(String.init).joined(separator: ","))
    }
}

/// Values built to break an escaping, from a seeded generator (SplitMix64).
struct TrickyValues {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    static let pieces: [String] = [
        "", "a", "Z9", " ", "\t", "\n", "\r", "\r\n", "\\", "\\\\", "\\N", "\\.", "\\.\n", "\\t", "\\u0041", "\"", "'", "''", ",",
        ";", "|", "NULL", "null", "{", "}", "[", "]", "é", "ß", "日本語", "😀", "👩‍👩‍👧", "e\u{301}", "\u{1}", "\u{8}", "\u{B}",
        "\u{C}", "\u{1B}", "\u{1F}", "\u{7F}", "\u{85}", "\u{A0}", "\u{2028}", "\u{FEFF}", "$1", "%s", "--", "/*",
    ]

    static let integers: [Int64] = [0, 1, -1, 42, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1, 9_007_199_254_740_993]
    static let doubles: [Double] = [
        0.0, -0.0, 1e-300, -1e-300, Double.leastNonzeroMagnitude, 1.5, -2.25, 0.1, 1e20, 1e300, Double.greatestFiniteMagnitude, 3.141592653589793,
    ]

    /// What the random rows may miss: every piece alone, the extremes, a
    /// string longer than a `COPY` chunk with specials across it.
    static func cornerCases(typed: Bool) -> [DataValue] {
        var long = ""
        for i in 0..<40_000 { long += i % 97 == 0 ? "\t\\\n" : "abcdefg" }
        var cases: [DataValue] = []
        if typed {
            cases += pieces.map { ["t": .string($0), "j": .string($0)] }
            cases.append(["t": .string(long), "j": ["s": .string(long)]])
            cases += integers.map { ["i": .integer($0), "r": .integer($0)] }
            cases += (doubles + [.nan, .infinity, -.infinity]).map { ["r": .double($0)] }
            cases += doubles.map { ["j": .double($0)] }
            cases.append(["t": "", "i": 0, "r": 0.0, "b": false, "j": ""])
            cases.append(["t": nil, "i": nil, "r": nil, "b": nil, "j": nil])
            cases.append(["b": true, "j": [:]])
            cases.append(["j": []])
        } else {
            cases += pieces.map { ["s": .string($0), .init($0): .string($0)] }
            cases.append(["long": .string(long), "nested": [.string(long), ["x": .string(long)]]])
            cases += integers.map { ["i": .integer($0)] }
            cases += doubles.map { ["d": .double($0)] }
            cases.append(["empty": "", "null": nil, "array": [], "object": [:], "": "empty key"])
        }
        return cases
    }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    mutating func string() -> String {
        (0..<below(9)).map { _ in Self.pieces[below(Self.pieces.count)] }.joined()
    }

    mutating func scalar() -> DataValue {
        switch below(6) {
        case 0: .null
        case 1: .bool(below(2) == 0)
        case 2: .integer(below(2) == 0 ? Self.integers[below(Self.integers.count)] : Int64(bitPattern: next()))
        case 3: .double(below(2) == 0 ? Self.doubles[below(Self.doubles.count)] : Double(Int64(bitPattern: next())) / 1e9)
        default: .string(string())
        }
    }

    mutating func json(depth: Int = 0) -> DataValue {
        guard depth < 3 else { return scalar() }
        switch below(4) {
        case 0: return .array((0..<below(5)).map { _ in json(depth: depth + 1) })
        case 1:
            var object = DataObject()
            for _ in 0..<below(5) { object[string()] = json(depth: depth + 1) }
            return .object(object)
        default: return scalar()
        }
    }

    mutating func document() -> DataValue {
        var object = DataObject()
        for _ in 0..<(1 + below(6)) { object[string()] = json() }
        return .object(object)
    }

    mutating func typedRow() -> DataValue {
        var object = DataObject()
        if below(5) > 0 { object["t"] = below(8) == 0 ? .null : .string(string()) }
        if below(5) > 0 { object["i"] = .integer(below(2) == 0 ? Self.integers[below(Self.integers.count)] : Int64(bitPattern: next())) }
        if below(5) > 0 { object["r"] = .double(below(2) == 0 ? Self.doubles[below(Self.doubles.count)] : Double(bitPattern: next() & 0x7FEF_FFFF_FFFF_FFFF)) }
        if below(5) > 0 { object["b"] = .bool(below(2) == 0) }
        if below(5) > 0 { object["j"] = json() }
        return .object(object)
    }

    /// Identical, NaN equal to NaN, and an integer stored in a float column as that float.
    static func same(_ stored: DataValue, _ back: DataValue) -> Bool {
        switch (stored, back) {
        case (.double(let a), .double(let b)) where a.isNaN && b.isNaN: true
        case (.integer(let a), .double(let b)): Double(a) == b
        default: stored.isIdentical(to: back)
        }
    }
}
