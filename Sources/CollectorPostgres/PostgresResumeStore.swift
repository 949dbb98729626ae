import CPostgres
import CollectorStorage
import CollectorValues
import Collectors
import Foundation

/// A `ResumeStore` on a PostgreSQL server, so that positions and processor
/// state outlive the machine and can be shared by several collectors.
///
/// One table (`collector_resume` unless named otherwise), created on first
/// use: a row per scope and key, the value in `BinaryCodec`'s form (base64
/// text: integers stay integers, nulls stay nulls). A `save` is one
/// transaction of upserts (`INSERT ... ON CONFLICT DO UPDATE`). A lost
/// connection is opened again by the next call. The connection is confined
/// to this actor, on a thread of its own (libpq blocks).
public actor PostgresResumeStore: ResumeStore {
    public nonisolated let table: String
    private let endpoint: PostgresEndpoint
    private let executor: StorageThreadExecutor
    private var connection: PostgresConnection?
    private let connectTimeoutSeconds: Int

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// - Throws: `.configuration` when libpq cannot parse `url` or `table` is not a plain name.
    public init(url: String, table: String = "collector_resume", connectTimeoutSeconds: Int = 10) throws(ErrorInfo) {
        guard let first = table.unicodeScalars.first, first == "_" || first.properties.isAlphabetic,
            table.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }),
            table.utf8.count <= 63
        else {
            throw ErrorInfo(
                .configuration, layer: .storage, operation: "resume",
                message: "'\(table)' is not a plain table name (ASCII letters, digits and _, 63 bytes at most)")
        }
        self.table = table
        endpoint = try PostgresEndpoint(url)
        self.connectTimeoutSeconds = connectTimeoutSeconds
        executor = StorageThreadExecutor(name: "postgres-resume")
    }

    deinit {
        executor.stop()
    }

    public nonisolated var description: String { endpoint.redacted }

    public func load(scope: String) async throws -> [String: DataValue] {
        try loadNow(scope: scope)
    }

    private func loadNow(scope: String) throws(ErrorInfo) -> [String: DataValue] {
        let connection = try open()
        var parameters = PostgresParameters()
        _ = parameters.append(scope)
        let result = try connection.execute(
            "SELECT key, value FROM \(table) WHERE scope = $1", parameters, operation: "resume")
        var entries: [String: DataValue] = [:]
        for row in 0..<result.rowCount {
            let key = result.string(row: row, column: 0)
            guard let bytes = Data(base64Encoded: result.string(row: row, column: 1)) else {
                throw damaged(key, scope, "not base64")
            }
            do {
                entries[key] = try bytes.withUnsafeBytes { (raw) throws(BinaryCodec.DecodingError) in try BinaryCodec.decode(raw) }
            } catch {
                throw damaged(key, scope, "\(error)")
            }
        }
        return entries
    }

    public func save(scope: String, entries: [String: DataValue]) async throws {
        try saveNow(scope: scope, entries: entries)
    }

    private func saveNow(scope: String, entries: [String: DataValue]) throws(ErrorInfo) {
        guard !entries.isEmpty else { return }
        let connection = try open()
        try connection.execute("BEGIN", operation: "resume")
        do throws(ErrorInfo) {
            var buffer: [UInt8] = []
            for (key, value) in entries {
                buffer.removeAll(keepingCapacity: true)
                BinaryCodec.encode(value, into: &buffer)
                var parameters = PostgresParameters()
                guard parameters.append(scope), parameters.append(key) else {
                    throw ErrorInfo(
                        .validation, layer: .storage, operation: "resume",
                        message: "the scope '\(scope)' or key '\(key)' holds a NUL byte, which PostgreSQL text cannot store")
                }
                _ = parameters.append(Data(buffer).base64EncodedString())
                try connection.executePrepared(
                    name: "collector_resume_upsert",
                    sql: """
                        INSERT INTO \(table) (scope, key, value, saved_at) VALUES ($1, $2, $3, now()) \
                        ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at
                        """, parameters, operation: "resume")
            }
            try connection.execute("COMMIT", operation: "resume")
        } catch {
            _ = try? connection.execute("ROLLBACK", operation: "resume")
            throw error
        }
    }

    public func close() async {
        connection?.close()
        connection = nil
    }

    /// The live connection; connects (and creates the table) first when there is none or it was lost.
    private func open() throws(ErrorInfo) -> PostgresConnection {
        if let connection, connection.isAlive { return connection }
        connection?.close()
        connection = nil
        let fresh = try PostgresConnection(endpoint: endpoint, backend: "resume", connectTimeoutSeconds: connectTimeoutSeconds)
        try fresh.withSchemaLock(table, operation: "resume") { (locked) throws(ErrorInfo) in
            try locked.execute(
                """
                CREATE TABLE IF NOT EXISTS \(table) (scope text NOT NULL, key text NOT NULL, value text NOT NULL, \
                saved_at timestamptz NOT NULL, PRIMARY KEY (scope, key))
                """, operation: "resume")
        }
        connection = fresh
        return fresh
    }

    private func damaged(_ key: String, _ scope: String, _ why: String) -> ErrorInfo {
        ErrorInfo(
            .storage, layer: .storage, operation: "resume",
            message: "the saved entry '\(key)' of '\(scope)' in \(endpoint.redacted) (table \(table)) cannot be read (\(why)); delete that row to start without it",
            details: ["scope": .string(scope), "key": .string(key)])
    }
}
