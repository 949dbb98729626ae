/// How `ConsoleStorage` writes records.
public struct ConsoleOptions: Sendable, Hashable {
    /// The text of each record.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// One line of compact JSON per record (JSON Lines).
        case json
        /// Indented JSON, a record's members on lines of their own.
        case pretty
        /// One line of `key=value` pairs per record (see `LogfmtWriter`).
        case logfmt
    }

    /// Where the records go.
    public enum Stream: String, Sendable, Hashable, CaseIterable {
        case stdout
        case stderr

        var descriptor: Int32 { self == .stdout ? 1 : 2 }
    }

    public var format: Format
    public var stream: Stream

    public init(format: Format = .json, stream: Stream = .stdout) {
        self.format = format
        self.stream = stream
    }
}
