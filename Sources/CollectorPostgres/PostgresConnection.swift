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
    /// Whether the current server session has the temporary table `COPY`
    /// batches are staged in (set by the caller once a batch made it).
    var hasStage = false
    /// Whether a `COPY ... FROM STDIN` is waiting for rows.
    private var copying = false
    /// Set when libpq cannot get out of a `COPY`: the connection is then
    /// treated as lost (and reset) even while its socket is fine.
    private var broken = false
    /// Stops the statement in flight from another thread (a cancelled task).
    let interrupt = PostgresInterrupt()

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
        interrupt.refresh(from: connection)
    }

    deinit {
        close()
    }

    func close() {
        interrupt.dropKey()
        if let handle { PQfinish(handle) }
        handle = nil
        prepared.removeAll()
        hasStage = false
        copying = false
        broken = false
    }

    /// Whether the connection is usable (libpq notices a dropped connection
    /// when a call fails, and then reports `CONNECTION_BAD`).
    var isAlive: Bool {
        guard let handle, !broken else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Reconnects with the same settings; `nil` on success, else libpq's message.
    func reset() -> String? {
        guard let handle else { return "the connection is closed" }
        prepared.removeAll()
        hasStage = false
        copying = false
        broken = false
        PQreset(handle)
        if PQstatus(handle) == CONNECTION_OK {
            interrupt.refresh(from: handle)
            return nil
        }
        return String(cString: PQerrorMessage(handle))
    }

    /// Runs one statement; parameters in text format, their types inferred by the server.
    @discardableResult
    func execute(_ sql: String, _ parameters: PostgresParameters? = nil, operation: String, context: String? = nil) throws(ErrorInfo) -> PostgresResult {
        let handle = try enter(operation)
        defer { interrupt.leave() }
        let raw = parameters?.withValues { values in
            PQexecParams(handle, sql, Int32(parameters?.count ?? 0), nil, values, nil, nil, 0)
        } ?? PQexecParams(handle, sql, 0, nil, nil, nil, nil, 0)
        return try check(raw, operation: operation, context: context)
    }

    /// Runs `sql`, which may hold several statements and no parameters, as
    /// one simple query; throws the first failure (the server skips the
    /// statements after it).
    @discardableResult
    func executeScript(_ sql: String, operation: String, context: String? = nil) throws(ErrorInfo) -> PostgresResult {
        let handle = try enter(operation)
        defer { interrupt.leave() }
        return try check(PQexec(handle, sql), operation: operation, context: context)
    }

    /// Runs the statement prepared under `name` (preparing it on first use on this session).
    @discardableResult
    func executePrepared(
        name: String, sql: String, _ parameters: PostgresParameters, operation: String, context: String? = nil
    ) throws(ErrorInfo) -> PostgresResult {
        let handle = try enter(operation)
        defer { interrupt.leave() }
        if !prepared.contains(name) {
            _ = try check(PQprepare(handle, name, sql, Int32(parameters.count), nil), operation: operation, context: context)
            prepared.insert(name)
        }
        let raw = parameters.withValues { values in
            PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
        }
        return try check(raw, operation: operation, context: context)
    }

    // MARK: COPY FROM STDIN

    /// Sends `sql`, which may hold several statements, as one simple query,
    /// and returns once the `COPY ... FROM STDIN` in it waits for rows; throws
    /// when a statement before it fails (the server then skips the rest).
    func startCopy(_ sql: String, operation: String, context: String?) throws(ErrorInfo) {
        let handle = try enter(operation)
        defer { interrupt.leave() }
        guard let raw = PQexec(handle, sql) else {
            throw connectionFailure(operation: operation, context: context)
        }
        let result = PostgresResult(raw)
        if result.status == PGRES_COPY_IN {
            copying = true
            return
        }
        if let error = failure(result, operation: operation, context: context) { throw error }
        throw ErrorInfo(
            .storage, layer: .storage, operation: operation,
            message: "PostgreSQL \(operation) failed on \(endpoint.redacted): the server did not start the COPY",
            details: PostgresErrors.details(backend: backend, endpoint: endpoint, sqlState: nil))
    }

    /// Sends rows of the `COPY` in progress (libpq queues them and sends as
    /// the socket takes them). When they cannot be sent, the `COPY` is ended
    /// and the error thrown.
    func putCopyData(_ bytes: [UInt8], operation: String, context: String?) throws(ErrorInfo) {
        let handle = try open(operation)
        // Part of the COPY in flight: a cancel stops it on the server.
        _ = interrupt.enter(stopIfCancelled: false)
        defer { interrupt.leave() }
        let sent = bytes.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self) else { return 1 }
            // libpq takes an int count: a row bigger than that (a huge string) goes in pieces.
            var offset = 0
            while offset < buffer.count {
                let count = min(buffer.count - offset, 1 << 26)
                let status = PQputCopyData(handle, base + offset, Int32(count))
                guard status == 1 else { return status }
                offset += count
            }
            return 1
        }
        guard sent != 1 else { return }
        let error = connectionFailure(operation: operation, context: context)
        _ = finishCopy(abort: "the client could not send the rows", operation: operation, context: context)
        throw error
    }

    /// Ends the rows of the `COPY` in progress and waits for it and the
    /// statements after it; throws the first that failed.
    func endCopy(operation: String, context: String?) throws(ErrorInfo) {
        if let error = finishCopy(abort: nil, operation: operation, context: context) { throw error }
    }

    /// Ends the `COPY` in progress (if any) as failed, so the server rolls
    /// back what it read and skips the statements after it; the results are
    /// read and dropped.
    func abortCopy(_ reason: String, operation: String) {
        _ = finishCopy(abort: reason, operation: operation, context: nil)
    }

    /// `PQputCopyEnd`, then every result up to the end of the query; the first failure.
    private func finishCopy(abort reason: String?, operation: String, context: String?) -> ErrorInfo? {
        guard copying, let handle else { return nil }
        copying = false
        _ = interrupt.enter(stopIfCancelled: false)
        defer { interrupt.leave() }
        var firstError: ErrorInfo?
        if Self.putCopyEnd(handle, reason) != 1 {
            firstError = connectionFailure(operation: operation, context: context)
        }
        // At most a few results: the COPY's and the statements' after it. A
        // COPY still waiting (the end could not be queued) is ended again.
        var endings = 0
        while let raw = PQgetResult(handle) {
            let result = PostgresResult(raw)
            if result.status == PGRES_COPY_IN {
                endings += 1
                if endings > 3 || Self.putCopyEnd(handle, reason ?? "the client could not end the COPY") != 1 {
                    if firstError == nil { firstError = connectionFailure(operation: operation, context: context) }
                    // The connection is stuck in the COPY: it counts as lost, so a retry reconnects.
                    broken = true
                    firstError?.type = .connection
                    firstError?.isRetryable = true
                    break
                }
                continue
            }
            if firstError == nil { firstError = failure(result, operation: operation, context: context) }
        }
        return firstError
    }

    private static func putCopyEnd(_ handle: OpaquePointer, _ reason: String?) -> Int32 {
        if let reason { PQputCopyEnd(handle, reason) } else { PQputCopyEnd(handle, nil) }
    }

    /// The handle for a statement about to be sent, marked in flight (each
    /// success is followed by `interrupt.leave()`); throws instead when the
    /// operation was cancelled, so no statement starts after that.
    private func enter(_ operation: String) throws(ErrorInfo) -> OpaquePointer {
        let handle = try open(operation)
        guard interrupt.enter(stopIfCancelled: true) else { throw cancelled(operation) }
        return handle
    }

    func cancelled(_ operation: String) -> ErrorInfo {
        ErrorInfo(
            .cancelled, layer: .storage, operation: operation, message: "PostgreSQL \(operation) on \(endpoint.redacted) was cancelled",
            details: PostgresErrors.details(backend: backend, endpoint: endpoint, sqlState: nil))
    }

    /// After a cancelled operation: out of any `COPY` and transaction it
    /// left, so the next one starts clean; reconnects when that fails.
    func settleAfterCancel(operation: String) {
        guard handle != nil else { return }
        if copying { abortCopy("the operation was cancelled", operation: operation) }
        // A cancel request that was late may hit the first ROLLBACK.
        for _ in 0..<3 where isAlive && !isIdle {
            _ = try? execute("ROLLBACK", operation: operation)
        }
        if !isAlive || !isIdle { _ = reset() }
    }

    /// Whether no transaction is open (nor failed and waiting for its ROLLBACK).
    private var isIdle: Bool {
        guard let handle else { return false }
        return PQtransactionStatus(handle) == PQTRANS_IDLE
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
        guard let raw else { throw connectionFailure(operation: operation, context: context) }
        let result = PostgresResult(raw)
        if let error = failure(result, operation: operation, context: context) { throw error }
        return result
    }

    /// The error a call failed with when libpq gave no result: its connection's message.
    private func connectionFailure(operation: String, context: String?) -> ErrorInfo {
        let text = handle.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
        return PostgresErrors.fromResult(
            sqlState: nil, text: text, connectionLost: !isAlive, endpoint: endpoint, backend: backend,
            operation: operation, context: context)
    }

    /// The error a result holds; `nil` when it is a success.
    private func failure(_ result: PostgresResult, operation: String, context: String?) -> ErrorInfo? {
        switch result.status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return nil
        default:
            let text = String(cString: PQresultErrorMessage(result.handle))
            return PostgresErrors.fromResult(
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
