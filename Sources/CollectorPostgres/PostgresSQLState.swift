import Collectors

/// A PostgreSQL SQLSTATE (`23505`), matched by name rather than by string:
/// `error.sqlState == .uniqueViolation`, or by its class
/// (`state.errorClass == .integrityConstraintViolation`).
public struct PostgresSQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The class: the state's first two characters, as a state (`23` for `23505`).
    public var errorClass: PostgresSQLState { PostgresSQLState(rawValue: String(rawValue.prefix(2))) }

    public var description: String { rawValue }

    // Classes.
    public static let connectionException = PostgresSQLState(rawValue: "08")
    public static let dataException = PostgresSQLState(rawValue: "22")
    public static let integrityConstraintViolation = PostgresSQLState(rawValue: "23")
    public static let invalidAuthorization = PostgresSQLState(rawValue: "28")
    public static let transactionRollback = PostgresSQLState(rawValue: "40")
    public static let insufficientResources = PostgresSQLState(rawValue: "53")

    // States.
    public static let uniqueViolation = PostgresSQLState(rawValue: "23505")
    public static let queryCanceled = PostgresSQLState(rawValue: "57014")
    public static let adminShutdown = PostgresSQLState(rawValue: "57P01")
    public static let crashShutdown = PostgresSQLState(rawValue: "57P02")
    public static let cannotConnectNow = PostgresSQLState(rawValue: "57P03")
}

extension ErrorInfo {
    /// The SQLSTATE of an error from the PostgreSQL backend (`details["sqlstate"]`); `nil` for any other error.
    public var sqlState: PostgresSQLState? {
        details["sqlstate"]?.stringValue.map(PostgresSQLState.init(rawValue:))
    }
}
