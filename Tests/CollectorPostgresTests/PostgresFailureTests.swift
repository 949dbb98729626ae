import CollectorPostgres
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

@Suite("PostgresStorage failures", .enabled(if: !PostgresTestEnvironment.optedOut))
struct PostgresFailureTests {
    @Test func aWrongPasswordIsAnAuthenticationErrorWithoutThePassword() async throws {
        let url = try PostgresTestEnvironment.url()
        var components = try #require(URLComponents(string: url))
        let wrong = "Wr0ng-Secret-\(UUID().uuidString.prefix(6))"
        components.password = wrong
        let storage = try PostgresStorage(id: "pg", url: components.string)
        #expect(!storage.redactedURL.contains(wrong))
        let error = await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(error?.type == .authentication)
        #expect(error?.isRetryable == false)
        #expect(error?.message.contains("password authentication failed") == true)
        #expect(error?.message.contains(wrong) == false)
        #expect(error?.description.contains(wrong) == false)
        #expect(error.map { "\($0.details)" }?.contains(wrong) == false)
    }

    @Test func aServerThatIsDownIsARetryableConnectionError() async throws {
        let port = try unusedPort()
        let secret = "s3cret-\(UUID().uuidString.prefix(6))"
        let storage = try PostgresStorage(
            url: "postgresql://collector:\(secret)@127.0.0.1:\(port)/collector_test", options: PostgresOptions(connectTimeoutSeconds: 3))
        let error = await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(error?.type == .connection)
        #expect(error?.isRetryable == true)
        #expect(error?.message.contains("127.0.0.1") == true)
        #expect(error?.message.contains(secret) == false)
    }

    @Test func storeAfterDisconnectIsAClearError() async throws {
        let storage = try PostgresStorage(url: try PostgresTestEnvironment.url(), options: PostgresOptions(table: PostgresTestEnvironment.uniqueTable("dc")))
        try await storage.connect()
        _ = try await storage.store(["a": 1])
        await storage.disconnect()
        let error = await #expect(throws: ErrorInfo.self) { try await storage.store(["a": 2]) }
        #expect(error?.type == .connection)
        #expect(error?.message.contains("not connected") == true)
        // connect() again, and it works.
        try await storage.connect()
        #expect(try await storage.query(QueryCriteria()).count == 1)
    }

    @Test func aBadURLIsAConfigurationErrorWithoutThePassword() throws {
        let error = #expect(throws: ErrorInfo.self) {
            try PostgresStorage(url: "postgresql://u:hunter2@host:5432/db?nonsense_option=1")
        }
        #expect(error?.type == .configuration)
        #expect(error?.message.contains("hunter2") == false)
    }

    /// Where a crash lands in a batch's transaction.
    enum CrashPoint: String, CaseIterable, Sendable {
        /// `.insert`: inside one of the batch's multi-row `INSERT`s.
        case insertStatement
        /// `.copy`: while the server reads the `COPY`'s rows into the stage table.
        case copyRows
        /// `.copy`: in the `INSERT ... SELECT` from the stage table into the table.
        case copyMove

        var method: PostgresBatchMethod { self == .insertStatement ? .insert : .copy }
    }

    /// The server dies (`pg_ctl stop -m immediate`) while a batch is inside
    /// its transaction, and comes back: the backend reconnects, runs the batch
    /// again, and every record is stored exactly once, in their order. For
    /// both batch methods, and for `COPY` both while the rows stream in and
    /// while they move from the stage table. On its own cluster, so the other
    /// tests keep theirs.
    @Test(.serialized, .timeLimit(.minutes(3)), arguments: CrashPoint.allCases)
    func aBatchInterruptedByAServerCrashIsStoredExactlyOnce(_ point: CrashPoint) async throws {
        let cluster = try OwnCluster("crash")
        defer { cluster.stop() }
        let url = cluster.url

        if point == .copyRows {
            // The table made beforehand (connect keeps it), with a column whose
            // default takes 10 ms a row: the stage table has that default too,
            // so the COPY itself takes seconds.
            try run([
                "psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-c", "CREATE FUNCTION slow_default() RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.01); RETURN 0; END $$",
                "-c", """
                    CREATE TABLE crash (id bigserial PRIMARY KEY, location_id uuid NOT NULL UNIQUE, \
                    created_at timestamptz NOT NULL DEFAULT now(), data jsonb NOT NULL, slow int DEFAULT slow_default())
                    """,
            ])
        }
        let storage = try PostgresStorage(
            url: url,
            options: PostgresOptions(
                table: "crash", reconnectAttempts: 12, reconnectDelaySeconds: 0.2, rowsPerStatement: 100, batchMethod: point.method))
        try await storage.connect()
        if point != .copyRows {
            // Each INSERT statement takes a second, so the batch is surely inside its transaction when the server dies.
            try run([
                "psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-c", "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$",
                "-c", "CREATE TRIGGER slow AFTER INSERT ON crash FOR EACH STATEMENT EXECUTE FUNCTION slow()",
            ])
        }
        let records = (0..<300).map { DataValue.object(["i": .integer(Int64($0))]) }
        let batch = Task { try await storage.store(batch: records) }

        // Wait until the batch sleeps on the server (in the trigger or in the defaults), then crash the server.
        var seen = false
        for _ in 0..<600 where !seen {
            let active = try psqlValue(url, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid()")
            seen = active != "0"
            if !seen { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(seen, "the batch never reached the server")
        if point != .insertStatement {
            // In the COPY or past it, as meant.
            #expect(try psqlValue(url, "SELECT count(*) FROM pg_stat_progress_copy") == (point == .copyRows ? "1" : "0"))
        }
        try cluster.kill()
        try cluster.resume()

        let stored = try await batch.value
        #expect(stored.count == 300)
        #expect(try psqlValue(url, "SELECT count(*) FROM crash") == "300")
        #expect(try psqlValue(url, "SELECT count(DISTINCT data->'i') FROM crash") == "300")
        // Stored in the batch's order.
        #expect(try psqlValue(url, "SELECT bool_and(n = i) FROM (SELECT (data->>'i')::int AS i, row_number() OVER (ORDER BY id) - 1 AS n FROM crash) t") == "t")
        // And the backend goes on working on its new connection.
        _ = try await storage.store(["i": 300])
        #expect(try psqlValue(url, "SELECT count(*) FROM crash") == "301")
    }
}
