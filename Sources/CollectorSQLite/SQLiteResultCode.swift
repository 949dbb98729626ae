import CSQLite
import Collectors

/// An SQLite result code, primary or extended, matched by name rather than
/// by number: `if error.sqliteCode == .full`, `case .constraint, .mismatch:`.
/// An extended code (`SQLITE_CONSTRAINT_UNIQUE`) compares equal to its
/// primary only through `primary`.
public struct SQLiteResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code of an extended one (its low byte); itself for a primary code.
    public var primary: SQLiteResultCode { SQLiteResultCode(rawValue: rawValue & 0xFF) }

    /// SQLite's own short text for the code (`database or disk is full`).
    public var description: String { String(cString: sqlite3_errstr(rawValue)) }

    public static let ok = SQLiteResultCode(rawValue: SQLITE_OK)
    public static let error = SQLiteResultCode(rawValue: SQLITE_ERROR)
    public static let busy = SQLiteResultCode(rawValue: SQLITE_BUSY)
    public static let locked = SQLiteResultCode(rawValue: SQLITE_LOCKED)
    public static let readOnly = SQLiteResultCode(rawValue: SQLITE_READONLY)
    public static let interrupt = SQLiteResultCode(rawValue: SQLITE_INTERRUPT)
    public static let corrupt = SQLiteResultCode(rawValue: SQLITE_CORRUPT)
    public static let full = SQLiteResultCode(rawValue: SQLITE_FULL)
    public static let tooBig = SQLiteResultCode(rawValue: SQLITE_TOOBIG)
    public static let constraint = SQLiteResultCode(rawValue: SQLITE_CONSTRAINT)
    public static let mismatch = SQLiteResultCode(rawValue: SQLITE_MISMATCH)
    public static let range = SQLiteResultCode(rawValue: SQLITE_RANGE)
    public static let notADatabase = SQLiteResultCode(rawValue: SQLITE_NOTADB)
}

extension ErrorInfo {
    /// The primary SQLite result code of an error from the SQLite backend or
    /// spool (`details["sqlite_code"]`); `nil` for any other error.
    public var sqliteCode: SQLiteResultCode? {
        guard let code = details["sqlite_code"]?.intValue, let raw = Int32(exactly: code) else { return nil }
        return SQLiteResultCode(rawValue: raw)
    }
}
