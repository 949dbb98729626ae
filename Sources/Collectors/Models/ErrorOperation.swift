/// What failed (`ErrorInfo.operation`), as a name the engine matches on:
/// `error.failedOperation == .decode`, never a string compared in place.
/// The operation stays a string in `ErrorInfo` (events, dead letters and
/// logs show it); the names code branches on are declared here.
public struct ErrorOperation: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public var description: String { rawValue }

    /// Turning bytes into a record (JSON that does not parse, or does not fit a limit).
    public static let decode: ErrorOperation = "decode"
}

extension ErrorInfo {
    /// `operation` as an `ErrorOperation`.
    public var failedOperation: ErrorOperation {
        get { ErrorOperation(rawValue: operation) }
        set { operation = newValue.rawValue }
    }
}
