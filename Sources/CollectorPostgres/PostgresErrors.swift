import CPostgres
import Collectors
import CollectorValues

/// Turns libpq failures into `ErrorInfo`.
///
/// The type follows the SQLSTATE class: `08` (connection) and a dropped
/// connection are `.connection` and retryable; `28` is `.authentication`;
/// `22` (data: a value too long, a bad number) and `23` (constraints) are
/// `.validation`; `40` (serialization, deadlock), `53` (out of resources) and
/// `57P01`-`57P03` (server shutting down or starting) are retryable
/// `.storage`. Every message passes through the endpoint's scrubber first, so
/// the password never appears in it.
enum PostgresErrors {
    static func fromConnect(_ text: String, endpoint: PostgresEndpoint, backend: String, operation: String) -> ErrorInfo {
        let message = endpoint.scrub(text.trimmingTrailingNewlines)
        let lower = message.lowercased()
        let type: ErrorType
        let retryable: Bool
        if lower.contains("authentication failed") || lower.contains("no password supplied") || lower.contains("pg_hba.conf") {
            (type, retryable) = (.authentication, false)
        } else if lower.contains("does not exist") {
            (type, retryable) = (.configuration, false)
        } else {
            (type, retryable) = (.connection, true)
        }
        return ErrorInfo(
            type, layer: .storage, operation: operation,
            message: "cannot connect to \(endpoint.redacted): \(message)",
            details: details(backend: backend, endpoint: endpoint, sqlState: nil),
            isRetryable: retryable)
    }

    static func fromResult(
        sqlState: String?, text: String, connectionLost: Bool, endpoint: PostgresEndpoint, backend: String,
        operation: String, context: String?
    ) -> ErrorInfo {
        let message = endpoint.scrub(text.trimmingTrailingNewlines)
        let type: ErrorType
        var retryable = false
        let state = sqlState.map(PostgresSQLState.init(rawValue:))
        switch (state, state?.errorClass) {
        case _ where connectionLost, (_, .connectionException?):
            (type, retryable) = (.connection, true)
        case (_, .invalidAuthorization?):
            type = .authentication
        case (_, .dataException?), (_, .integrityConstraintViolation?):
            type = .validation
        case (_, .transactionRollback?), (_, .insufficientResources?),
            (.adminShutdown?, _), (.crashShutdown?, _), (.cannotConnectNow?, _):
            (type, retryable) = (.storage, true)
        case (.queryCanceled?, _):
            type = .cancelled
        default:
            type = .storage
        }
        var text = "PostgreSQL \(operation) failed on \(endpoint.redacted): "
        if let context { text += "\(context): " }
        text += message
        return ErrorInfo(
            type, layer: .storage, operation: operation, message: text,
            details: details(backend: backend, endpoint: endpoint, sqlState: sqlState), isRetryable: retryable)
    }

    static func details(backend: String, endpoint: PostgresEndpoint, sqlState: String?) -> DataObject {
        var details: DataObject = ["backend_id": .string(backend), "url": .string(endpoint.redacted)]
        if let sqlState { details["sqlstate"] = .string(sqlState) }
        return details
    }
}
