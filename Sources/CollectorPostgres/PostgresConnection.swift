import CPostgres
import Collectors
import Foundation

/// One libpq connection and the statements prepared on it.
///
/// Not `Sendable`: it lives inside `PostgresStorage`'s actor, whose thread is
/// the only one that calls libpq with it (libpq blocks the calling thread).
final class PostgresConnection {
    let endpoint: PostgresEndpoint
    let backend: String
    private var handle: OpaquePointer?
    /// Statement names prepared on the current server session.
    private var prepared: Set<String> = []

    init(endpoint: PostgresEndpoint, backend: String, connectTimeoutSeconds: Int) throws(ErrorInfo) {
        self.endpoint = endpoint
        self.backend = backend
        // expand_dbname = 1: the URL's settings apply, then the later keywords.
        let keywords = ["dbname", "connect_timeout", "application_name"]
        let values = [endpoint.conninfo, String(max(connectTimeoutSeconds, 2)), "collector"]
        let connection = Self.withCStrings(keywords) { k in
            Self.withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let text = connection.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(connection)
            throw PostgresErrors.fromConnect(text, endpoint: endpoint, backend: backend, operation: "connect")
        }
        // "relation already exists, skipping" and other notices would go to stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        handle = connection
    }

    deinit {
        close()
    }

    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        prepared.removeAll()
    }

    /// Whether the connection is usable (libpq notices a dropped connection
    /// when a call fails, and then reports `CONNECTION_BAD`).
    var isAlive: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Reconnects with the same settings; `nil` on success, else libpq's message.
    func reset() -> String? {
        guard let handle else { return "the connection is closed" }
        prepared.removeAll()
        PQreset(handle)
        if PQstatus(handle) == CONNECTION_OK { return nil }
        return String(cString: PQerrorMessage(handle))
    }

    /// Runs one statement; parameters in text format, their types inferred by the server.
    @discardableResult
    func execute(_ sql: String, _ parameters: PostgresParameters? = nil, operation: String, context: String? = nil) throws(ErrorInfo) -> PostgresResult {
        let handle = try open(operation)
        let raw = parameters?.withValues { values in
            PQexecParams(handle, sql, Int32(parameters?.count ?? 0), nil, values, nil, nil, 0)
        } ?? PQexecParams(handle, sql, 0, nil, nil, nil, nil, 0)
        return try check(raw, operation: operation, context: context)
    }

    /// Runs the statement prepared under `name` (preparing it on first use on this session).
    @discardableResult
    func executePrepared(
        name: String, sql: String, _ parameters: PostgresParameters, operation: String, context: String? = nil
    ) throws(ErrorInfo) -> PostgresResult {
        let handle = try open(operation)
        if !prepared.contains(name) {
            _ = try check(PQprepare(handle, name, sql, Int32(parameters.count), nil), operation: operation, context: context)
            prepared.insert(name)
        }
        let raw = parameters.withValues { values in
            PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
        }
        return try check(raw, operation: operation, context: context)
    }

    private func open(_ operation: String) throws(ErrorInfo) -> OpaquePointer {
        guard let handle else {
            throw ErrorInfo(
                .connection, layer: .storage, operation: operation, message: "the PostgreSQL connection is closed",
                details: PostgresErrors.details(backend: backend, endpoint: endpoint, sqlState: nil))
        }
        return handle
    }

    private func check(_ raw: OpaquePointer?, operation: String, context: String?) throws(ErrorInfo) -> PostgresResult {
        guard let raw else {
            let text = handle.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            throw PostgresErrors.fromResult(
                sqlState: nil, text: text, connectionLost: !isAlive, endpoint: endpoint, backend: backend,
                operation: operation, context: context)
        }
        let result = PostgresResult(raw)
        switch result.status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return result
        default:
            let text = String(cString: PQresultErrorMessage(raw))
            throw PostgresErrors.fromResult(
                sqlState: result.errorField(CPOSTGRES_DIAG_SQLSTATE), text: text.isEmpty ? String(cString: PQerrorMessage(handle)) : text,
                connectionLost: !isAlive, endpoint: endpoint, backend: backend, operation: operation, context: context)
        }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let duplicates = strings.map { strdup($0) }
        defer { duplicates.forEach { free($0) } }
        var pointers = duplicates.map { UnsafePointer($0) }
        pointers.append(nil)
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
