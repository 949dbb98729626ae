import CSQLite
import CollectorStorage
import CollectorValues
import Collectors
import Foundation

/// A `ResumeStore` in a local SQLite file (the state file): one table,
/// `collector_resume`, a row per scope and key, the value in
/// `BinaryCodec`'s form (integers stay integers, nulls stay nulls).
///
/// A `save` is one transaction (WAL, `synchronous=FULL`: a position saved
/// is on disk before the pipeline goes on, so a crash never resumes from
/// an older one than it reported). The file is created on the first save;
/// loading from a file that does not exist finds nothing. The connection is
/// confined to this actor, on a thread of its own (SQLite blocks on the disk).
public actor SQLiteResumeStore: ResumeStore {
    /// The state file.
    public nonisolated let path: String
    private let executor: StorageThreadExecutor
    private var connection: SQLiteConnection?
    private var buffer: [UInt8] = []

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// Opens nothing yet: the file is opened on first use.
    public init(path: String) {
        self.path = path
        executor = StorageThreadExecutor(name: "resume")
    }

    deinit {
        executor.stop()
    }

    public nonisolated var description: String { path }

    public func load(scope: String) async throws -> [String: DataValue] {
        try clarifying { () throws(ErrorInfo) in try loadNow(scope: scope) }
    }

    private func loadNow(scope: String) throws(ErrorInfo) -> [String: DataValue] {
        guard let connection = try open(creating: false) else { return [:] }
        return try connection.withStatement(
            "SELECT key, value FROM collector_resume WHERE scope = ?1", operation: "resume"
        ) { (select) throws(ErrorInfo) -> [String: DataValue] in
            try select.bind(scope, at: 1)
            var entries: [String: DataValue] = [:]
            while try select.step(operation: "resume") {
                let key = select.string(0)
                let decoded = select.withBytes(1) { bytes -> Result<DataValue, BinaryCodec.DecodingError> in
                    Result { () throws(BinaryCodec.DecodingError) in try BinaryCodec.decode(UnsafeRawBufferPointer(bytes)) }
                }
                switch decoded {
                case .success(let value): entries[key] = value
                case .failure(let error): throw damaged("the entry '\(key)' of '\(scope)' cannot be read (\(error))")
                }
            }
            return entries
        }
    }

    public func save(scope: String, entries: [String: DataValue]) async throws {
        try clarifying { () throws(ErrorInfo) in try saveNow(scope: scope, entries: entries) }
    }

    private func saveNow(scope: String, entries: [String: DataValue]) throws(ErrorInfo) {
        guard !entries.isEmpty, let connection = try open(creating: true) else { return }
        try connection.execute("BEGIN IMMEDIATE", operation: "resume")
        do throws(ErrorInfo) {
            try connection.withStatement(
                """
                INSERT INTO collector_resume (scope, key, value, saved_at) VALUES (?1, ?2, ?3, ?4) \
                ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at
                """, operation: "resume"
            ) { (upsert) throws(ErrorInfo) in
                let now = Date().timeIntervalSince1970
                for (key, value) in entries {
                    buffer.removeAll(keepingCapacity: true)
                    BinaryCodec.encode(value, into: &buffer)
                    defer { upsert.reset() }
                    try upsert.bind(scope, at: 1)
                    try upsert.bind(key, at: 2)
                    try upsert.bind(bytes: buffer, asText: false, at: 3)
                    try upsert.bind(now, at: 4)
                    while try upsert.step(operation: "resume") {}
                }
            }
            try connection.execute("COMMIT", operation: "resume")
        } catch {
            try? connection.execute("ROLLBACK", operation: "resume")
            throw error
        }
    }

    public func close() async {
        connection?.close()
        connection = nil
    }

    private func open(creating: Bool) throws(ErrorInfo) -> SQLiteConnection? {
        if let connection { return connection }
        if !creating && !FileManager.default.fileExists(atPath: path) { return nil }
        let connection = try SQLiteConnection(path: path, backend: "resume", readOnly: false, busyTimeoutMilliseconds: 5_000)
        do throws(ErrorInfo) {
            // The first statement reads the header: a file that is not a database fails here.
            try connection.execute("SELECT count(*) FROM sqlite_schema", operation: "resume")
            try connection.execute("PRAGMA journal_mode=WAL", operation: "resume")
            try connection.execute("PRAGMA synchronous=FULL", operation: "resume")
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS collector_resume (scope TEXT NOT NULL, key TEXT NOT NULL, \
                value BLOB NOT NULL, saved_at REAL NOT NULL, PRIMARY KEY (scope, key))
                """, operation: "resume")
            let columns = try connection.withStatement(
                "SELECT count(*) FROM pragma_table_info('collector_resume') WHERE name IN ('scope', 'key', 'value', 'saved_at')",
                operation: "resume"
            ) { (statement) throws(ErrorInfo) -> Int in try statement.step(operation: "resume") ? Int(statement.int64(0)) : 0 }
            guard columns == 4 else { throw damaged("its table collector_resume is not a state file's") }
        } catch {
            connection.close()
            throw error
        }
        self.connection = connection
        return connection
    }

    private var problems: SQLiteFileProblems {
        SQLiteFileProblems(name: "the state file", path: path, operation: "resume", fresh: "start without saved positions")
    }

    private func clarifying<T>(_ body: () throws(ErrorInfo) -> T) throws(ErrorInfo) -> T { try problems.clarifying(body) }

    private func damaged(_ what: String) -> ErrorInfo { problems.damaged(what) }
}
