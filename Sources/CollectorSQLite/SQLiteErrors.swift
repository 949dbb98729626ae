import CSQLite
import Collectors
import CollectorValues

/// Turns SQLite result codes into `ErrorInfo`.
///
/// The message carries SQLite's own message and the file path; details carry
/// the primary and extended result codes. `SQLITE_BUSY` and `SQLITE_LOCKED`
/// (another connection holds the lock) are retryable; constraint and type
/// errors are `.validation`; everything else is `.storage`.
enum SQLiteErrors {
    static func make(
        code: Int32, message: String?, path: String, backend: String, operation: String, context: String? = nil
    ) -> ErrorInfo {
        let primary = SQLiteResultCode(rawValue: code).primary
        let generic = String(cString: sqlite3_errstr(code))
        var text = "SQLite \(operation) failed on \(path): "
        if let context { text += "\(context): " }
        text += message ?? generic
        if let message, message != generic { text += " (\(generic))" }
        let type: ErrorType
        switch primary {
        case .constraint, .mismatch, .tooBig, .range: type = .validation
        case .interrupt: type = .cancelled
        default: type = .storage
        }
        let details: DataObject = [
            "backend_id": .string(backend),
            "path": .string(path),
            "sqlite_code": .integer(Int64(primary.rawValue)),
            "sqlite_extended_code": .integer(Int64(code)),
        ]
        return ErrorInfo(
            type, layer: .storage, operation: operation, message: text, details: details,
            isRetryable: primary == .busy || primary == .locked
        )
    }
}
