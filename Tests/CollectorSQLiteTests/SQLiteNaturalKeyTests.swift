import CollectorSQLite
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

/// A natural key makes a store an upsert: a record whose key is stored
/// already updates its row (`update`) or is skipped (`ignore`), in both
/// layouts; a record without its key is refused alone.
@Suite("SQLiteStorage natural keys")
struct SQLiteNaturalKeyTests {
    enum Layout: String, CaseIterable, Sendable {
        case document, columns

        func options(_ key: NaturalKey?) -> SQLiteOptions {
            switch self {
            case .document: SQLiteOptions(table: "orders", key: key)
            case .columns:
                SQLiteOptions(
                    table: "orders",
                    layout: .columns([Column("order_id", .integer), Column("status", .text), Column("region", .text)]), key: key)
            }
        }
    }

    /// The stored rows as `order_id:status`, by order id.
    private func rows(_ path: String, _ layout: Layout) throws -> [String] {
        let sql =
            layout == .document
            ? "SELECT json_extract(data, '$.order_id') || ':' || json_extract(data, '$.status') FROM orders ORDER BY json_extract(data, '$.order_id')"
            : "SELECT order_id || ':' || status FROM orders ORDER BY order_id"
        return try RawSQLite(path: path).rows(sql).map { $0[0] ?? "NULL" }
    }

    @Test(arguments: Layout.allCases)
    func updateReplacesTheRowOfAStoredKey(layout: Layout) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("orders.db")
        let storage = SQLiteStorage(path: path, options: layout.options(NaturalKey(["order_id"])))
        try await storage.connect()
        _ = try await storage.store(batch: [["order_id": 1, "status": "new"], ["order_id": 2, "status": "new"]])
        // Polled again: order 1 changed, order 3 is new.
        let again = try await storage.store(batch: [["order_id": 1, "status": "paid"], ["order_id": 3, "status": "new"]])
        #expect(again.count == 2)
        #expect(try rows(path, layout) == ["1:paid", "2:new", "3:new"])
        // Through store(records:) (record ids kept) too; a record stored again changes nothing.
        let record = Record(["order_id": 2, "status": "shipped"], sourceID: "api", sequence: 9)
        _ = try await storage.store(records: [record])
        _ = try await storage.store(records: [record])
        #expect(try rows(path, layout) == ["1:paid", "2:shipped", "3:new"])
        // A record stored under its own id first is not overwritten by its replay after a later update.
        let first = Record(["order_id": 4, "status": "new"], sourceID: "api", sequence: 10)
        _ = try await storage.store(records: [first])
        _ = try await storage.store(batch: [["order_id": 4, "status": "paid"]])
        let replay = try await storage.store(records: [first])
        #expect(replay.skipped == 1)
        #expect(try rows(path, layout) == ["1:paid", "2:shipped", "3:new", "4:paid"])
    }

    @Test(arguments: Layout.allCases)
    func ignoreKeepsTheStoredRowAndSkipsTheRecord(layout: Layout) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("orders.db")
        let storage = SQLiteStorage(path: path, options: layout.options(NaturalKey(["order_id"], onConflict: .ignore)))
        try await storage.connect()
        _ = try await storage.store(batch: [["order_id": 1, "status": "new"]])
        let again = try await storage.store(batch: [["order_id": 1, "status": "paid"], ["order_id": 2, "status": "new"]])
        #expect(again.count == 1)
        #expect(again.skipped == 1)
        #expect(try rows(path, layout) == ["1:new", "2:new"])
    }

    @Test(arguments: Layout.allCases)
    func twoRecordsOfABatchWithOneKey(layout: Layout) async throws {
        let dir = try TemporaryDirectory()
        let update = SQLiteStorage(path: dir.file("update.db"), options: layout.options(NaturalKey(["order_id"])))
        try await update.connect()
        _ = try await update.store(batch: [["order_id": 7, "status": "new"], ["order_id": 7, "status": "paid"]])
        #expect(try rows(dir.file("update.db"), layout) == ["7:paid"], "the later wins")

        let ignore = SQLiteStorage(path: dir.file("ignore.db"), options: layout.options(NaturalKey(["order_id"], onConflict: .ignore)))
        try await ignore.connect()
        _ = try await ignore.store(batch: [["order_id": 7, "status": "new"], ["order_id": 7, "status": "paid"]])
        #expect(try rows(dir.file("ignore.db"), layout) == ["7:new"], "the first stays")
    }

    @Test(arguments: Layout.allCases)
    func aRecordWithoutItsKeyIsRefusedAlone(layout: Layout) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("orders.db")
        let storage = SQLiteStorage(path: path, options: layout.options(NaturalKey(["order_id", "region"])))
        try await storage.connect()
        for record: DataValue in [["order_id": 1, "status": "new"], ["order_id": 1, "region": .null, "status": "new"]] {
            let error = await #expect(throws: ErrorInfo.self) {
                try await storage.store(batch: [["order_id": 2, "region": "eu", "status": "new"], record])
            }
            #expect(error?.type == .validation)
            #expect(error?.isRetryable == false)
            #expect(error?.message.contains("record 1 has no key field 'region'") == true, "\(error?.message ?? "")")
            #expect(error?.details["record_index"] == 1)
        }
        // A record carried as JSON text is checked as well.
        let text = Array(#"{"order_id":3,"status":"new"}"#.utf8)
        let error = await #expect(throws: ErrorInfo.self) {
            try await storage.store(records: [Record(jsonText: text[...], sourceID: "f", sequence: 1)])
        }
        #expect(error?.message.contains("no key field 'region'") == true, "\(error?.message ?? "")")
        #expect(try RawSQLite(path: path).count("orders") == 0, "nothing of the refused batches is stored")
    }

    /// A key of two fields: rows differ when either does.
    @Test(arguments: Layout.allCases)
    func aKeyOfTwoFields(layout: Layout) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("orders.db")
        let storage = SQLiteStorage(path: path, options: layout.options(NaturalKey(["order_id", "region"])))
        try await storage.connect()
        _ = try await storage.store(batch: [
            ["order_id": 1, "region": "eu", "status": "a"], ["order_id": 1, "region": "us", "status": "b"],
            ["order_id": 1, "region": "eu", "status": "c"],
        ])
        #expect(try RawSQLite(path: path).count("orders") == 2)
        #expect(try rows(path, layout).sorted() == ["1:b", "1:c"])
    }

    /// The key option changed: the old key's index goes, the new one refuses
    /// what it must; rows that already share the new key fail to connect, saying so.
    @Test(arguments: Layout.allCases)
    func aChangedKeyReplacesItsIndex(layout: Layout) async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("orders.db")
        let first = SQLiteStorage(path: path, options: layout.options(NaturalKey(["order_id"])))
        try await first.connect()
        _ = try await first.store(batch: [["order_id": 1, "region": "eu", "status": "a"], ["order_id": 2, "region": "eu", "status": "b"]])
        await first.disconnect()

        // Keyed on the region now: the two rows share one.
        let clash = SQLiteStorage(path: path, options: layout.options(NaturalKey(["region"])))
        let error = await #expect(throws: ErrorInfo.self) { try await clash.connect() }
        #expect(error?.message.contains("the key { \"region\" } cannot be made unique") == true, "\(error?.message ?? "")")

        // Keyed on order and region: the old index on the order alone is gone.
        let second = SQLiteStorage(path: path, options: layout.options(NaturalKey(["order_id", "region"])))
        try await second.connect()
        _ = try await second.store(batch: [["order_id": 1, "region": "us", "status": "c"], ["order_id": 1, "region": "eu", "status": "d"]])
        #expect(try rows(path, layout).sorted() == ["1:c", "1:d", "2:b"])
        let indexes = try RawSQLite(path: path).rows("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'orders_key_%'")
        #expect(indexes.count == 1)
        await second.disconnect()

        // No key any more: no key index, and rows with the same order id go in.
        let plain = SQLiteStorage(path: path, options: layout.options(nil))
        try await plain.connect()
        _ = try await plain.store(batch: [["order_id": 1, "region": "us", "status": "e"]])
        #expect(try RawSQLite(path: path).count("orders") == 4)
        #expect(try RawSQLite(path: path).rows("SELECT name FROM sqlite_schema WHERE name LIKE 'orders_key_%'").isEmpty)
    }

    /// A key may name a column fed from a field of another name: records are read by the field.
    @Test func aKeyNamingAColumnReadsItsField() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("orders.db")
        let options = SQLiteOptions(
            table: "orders", layout: .columns([Column("id", .integer, field: "order_id"), Column("status", .text)]), key: NaturalKey(["id"]))
        let storage = SQLiteStorage(path: path, options: options)
        try await storage.connect()
        _ = try await storage.store(batch: [["order_id": 1, "status": "new"], ["order_id": 1, "status": "paid"]])
        #expect(try RawSQLite(path: path).rows("SELECT id || ':' || status FROM orders") == [["1:paid"]])
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(batch: [["id": 2, "status": "new"]]) }
        #expect(error?.message.contains("no key field 'order_id'") == true, "\(error?.message ?? "")")
    }

    @Test func aKeyThatIsNotAColumnIsAConfigurationError() throws {
        let options = SQLiteOptions(layout: .columns([Column("order_id", .integer)]), key: NaturalKey(["order"]))
        let error = #expect(throws: ErrorInfo.self) { try options.validate() }
        #expect(error?.type == .configuration)
        #expect(error?.message.contains("key field 'order' is not a column of the table") == true, "\(error?.message ?? "")")
        for bad in [NaturalKey([]), NaturalKey(["a", "a"]), NaturalKey(["a'b"])] {
            #expect(throws: ErrorInfo.self) { try SQLiteOptions(key: bad).validate() }
        }
    }
}
