import CollectorPostgres
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

/// A natural key makes a store an upsert (`INSERT ... ON CONFLICT`): a record
/// whose key is stored already updates its row (`update`) or is skipped
/// (`ignore`), in both layouts and with both batch methods; a record without
/// its key is refused alone.
@Suite("PostgresStorage natural keys", .enabled(if: !PostgresTestEnvironment.optedOut))
struct PostgresNaturalKeyTests {
    struct Setup: Sendable, CustomTestStringConvertible {
        let typed: Bool
        let method: PostgresBatchMethod

        var testDescription: String { "\(typed ? "columns" : "document"), \(method.rawValue)" }

        static let all = [false, true].flatMap { typed in PostgresBatchMethod.allCases.map { Setup(typed: typed, method: $0) } }

        func options(table: String, key: NaturalKey?) -> PostgresOptions {
            PostgresOptions(
                table: table,
                layout: typed ? .columns([Column("order_id", .integer), Column("status", .text), Column("region", .text)]) : .document,
                batchMethod: method, key: key)
        }

        /// The stored rows as `order_id:status`, by order id then status.
        func rows(_ url: String, _ table: String) throws -> [String] {
            let (id, status) = typed ? ("(order_id::text)", "status") : ("(data->>'order_id')", "(data->>'status')")
            let text = try psqlValue(url, "SELECT string_agg(\(id) || ':' || \(status), ',' ORDER BY \(id), \(status)) FROM \(table)")
            return text.isEmpty ? [] : text.split(separator: ",").map(String.init)
        }
    }

    private func storage(_ setup: Setup, _ key: NaturalKey?, table: String? = nil) async throws -> (PostgresStorage, String, String) {
        let url = try PostgresTestEnvironment.url()
        let table = table ?? PostgresTestEnvironment.uniqueTable("orders")
        let storage = try PostgresStorage(url: url, options: setup.options(table: table, key: key))
        try await storage.connect()
        return (storage, url, table)
    }

    @Test(arguments: Setup.all)
    func updateReplacesTheRowOfAStoredKey(setup: Setup) async throws {
        let (storage, url, table) = try await storage(setup, NaturalKey(["order_id"]))
        defer { _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(table)") }
        _ = try await storage.store(batch: [["order_id": 1, "status": "new"], ["order_id": 2, "status": "new"]])
        _ = try await storage.store(batch: [["order_id": 1, "status": "paid"], ["order_id": 3, "status": "new"]])
        #expect(try setup.rows(url, table) == ["1:paid", "2:new", "3:new"])
        // A record stored under its own id first is not overwritten by its replay after a later update.
        let first = Record(["order_id": 4, "status": "new"], sourceID: "api", sequence: 10)
        _ = try await storage.store(records: [first])
        _ = try await storage.store(batch: [["order_id": 4, "status": "paid"]])
        _ = try await storage.store(records: [first])
        #expect(try setup.rows(url, table) == ["1:paid", "2:new", "3:new", "4:paid"])
        await storage.disconnect()
    }

    @Test(arguments: Setup.all)
    func ignoreKeepsTheStoredRow(setup: Setup) async throws {
        let (storage, url, table) = try await storage(setup, NaturalKey(["order_id"], onConflict: .ignore))
        defer { _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(table)") }
        _ = try await storage.store(batch: [["order_id": 1, "status": "new"]])
        _ = try await storage.store(batch: [["order_id": 1, "status": "paid"], ["order_id": 2, "status": "new"]])
        #expect(try setup.rows(url, table) == ["1:new", "2:new"])
        await storage.disconnect()
    }

    @Test(arguments: Setup.all)
    func twoRecordsOfABatchWithOneKey(setup: Setup) async throws {
        let (update, url, table) = try await storage(setup, NaturalKey(["order_id"]))
        defer { _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(table)") }
        _ = try await update.store(batch: [["order_id": 7, "status": "new"], ["order_id": 8, "status": "new"], ["order_id": 7, "status": "paid"]])
        #expect(try setup.rows(url, table) == ["7:paid", "8:new"], "the later wins")
        await update.disconnect()

        let (ignore, _, other) = try await storage(setup, NaturalKey(["order_id"], onConflict: .ignore))
        defer { _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(other)") }
        _ = try await ignore.store(batch: [["order_id": 7, "status": "new"], ["order_id": 7, "status": "paid"]])
        #expect(try setup.rows(url, other) == ["7:new"], "the first stays")
        await ignore.disconnect()
    }

    @Test(arguments: Setup.all)
    func aRecordWithoutItsKeyIsRefused(setup: Setup) async throws {
        let (storage, url, table) = try await storage(setup, NaturalKey(["order_id", "region"]))
        defer { _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(table)") }
        for record: DataValue in [["order_id": 1, "status": "new"], ["order_id": 1, "region": .null, "status": "new"]] {
            let error = await #expect(throws: ErrorInfo.self) {
                try await storage.store(batch: [["order_id": 2, "region": "eu", "status": "new"], record])
            }
            #expect(error?.type == .validation)
            #expect(error?.isRetryable == false)
            #expect(error?.message.contains("record 1 has no key field 'region'") == true, "\(error?.message ?? "")")
        }
        #expect(try setup.rows(url, table) == [], "nothing of the refused batches is stored")
        // The connection stores the next batch.
        _ = try await storage.store(batch: [["order_id": 2, "region": "eu", "status": "new"]])
        #expect(try setup.rows(url, table) == ["2:new"])
        await storage.disconnect()
    }

    /// The key option changed: the old key's index goes; rows that already
    /// share the new key fail to connect, saying so.
    @Test(arguments: [Setup(typed: false, method: .copy), Setup(typed: true, method: .insert)])
    func aChangedKeyReplacesItsIndex(setup: Setup) async throws {
        let (first, url, table) = try await storage(setup, NaturalKey(["order_id"]))
        defer { _ = try? psqlValue(url, "DROP TABLE IF EXISTS \(table)") }
        _ = try await first.store(batch: [["order_id": 1, "region": "eu", "status": "a"], ["order_id": 2, "region": "eu", "status": "b"]])
        await first.disconnect()

        let clash = try PostgresStorage(url: url, options: setup.options(table: table, key: NaturalKey(["region"])))
        let error = await #expect(throws: ErrorInfo.self) { try await clash.connect() }
        #expect(error?.message.contains("the key { \"region\" } cannot be made unique") == true, "\(error?.message ?? "")")

        let (second, _, _) = try await storage(setup, NaturalKey(["order_id", "region"]), table: table)
        _ = try await second.store(batch: [["order_id": 1, "region": "us", "status": "c"], ["order_id": 1, "region": "eu", "status": "d"]])
        #expect(try setup.rows(url, table) == ["1:c", "1:d", "2:b"])
        #expect(try psqlValue(url, "SELECT count(*) FROM pg_indexes WHERE tablename = '\(table)' AND indexname LIKE '\(table)_key_%'") == "1")
        await second.disconnect()

        let (plain, _, _) = try await storage(setup, nil, table: table)
        _ = try await plain.store(batch: [["order_id": 1, "region": "us", "status": "e"]])
        #expect(try psqlValue(url, "SELECT count(*) FROM \(table)") == "4")
        await plain.disconnect()
    }
}
