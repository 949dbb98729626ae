import CollectorSources
import Collectors
import Foundation

/// Where the PostgreSQL runs find their server: as the PostgreSQL tests do,
/// `COLLECTOR_TEST_POSTGRES_URL` (scripts/test.sh starts a throwaway cluster
/// and exports it). Without it the runs fail, saying so, unless
/// `COLLECTOR_TEST_POSTGRES_OPTOUT=1` skips them.
enum PostgresServer {
    static let environment = ProcessInfo.processInfo.environment
    static let optedOut = environment["COLLECTOR_TEST_POSTGRES_OPTOUT"] == "1"

    static func url() throws -> String {
        guard let url = environment["COLLECTOR_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw FixtureError(
                "COLLECTOR_TEST_POSTGRES_URL is not set: run scripts/test.sh, or scripts/postgres-test-cluster.sh start and export the line of .build/postgres-test.env (COLLECTOR_TEST_POSTGRES_OPTOUT=1 skips these tests)")
        }
        return url
    }

    /// A table name no other test uses.
    static func uniqueTable(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs psql with `sql`; its output.
    @discardableResult
    static func psql(_ url: String, _ sql: String) async throws -> String {
        let psql = CommandSource(
            id: "psql", executable: "psql", arguments: [url, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
            options: .init(format: .text))
        try await psql.connect()
        var lines: [String] = []
        do {
            for try await line in psql.stream() { lines.append(String(decoding: line.payload, as: UTF8.self)) }
        } catch {
            await psql.disconnect()
            throw error
        }
        await psql.disconnect()
        return lines.joined(separator: "\n")
    }

    /// Takes an exclusive lock on `table` in a session of its own (psql, held
    /// until released), so stores into it wait; returns what releases it.
    static func lock(_ url: String, table: String) async throws -> @Sendable () async -> Void {
        let application = "conformance_lock_\(UUID().uuidString.prefix(8).lowercased())"
        var environment = ProcessInfo.processInfo.environment
        environment["PGAPPNAME"] = application
        let holder = CommandSource(
            id: "lock", executable: "psql",
            arguments: [url, "-X", "-q", "-c", "BEGIN; LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600); COMMIT;"],
            options: .init(format: .text, environment: environment, terminationGracePeriod: .milliseconds(300)))
        try await holder.connect()
        let release: @Sendable () async -> Void = {
            _ = try? await psql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(application)'")
            await holder.disconnect()
        }
        let granted = """
            SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
            WHERE a.application_name = '\(application)' AND l.mode = 'AccessExclusiveLock' AND l.granted
            """
        for _ in 0..<500 {
            if (try? await psql(url, granted)) == "1" { return release }
            try await Task.sleep(for: .milliseconds(20))
        }
        await release()
        throw FixtureError("the lock on \(table) was not granted within 10 s")
    }
}
