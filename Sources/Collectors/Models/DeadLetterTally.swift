/// What became of the letters a dead-letter sink was given.
public struct DeadLetterTally: Sendable, Hashable {
    /// Names the destination in messages (`jsonl:dead.jsonl`).
    public var destination: String
    /// Letters the destination took.
    public var written = 0
    /// Letters that could not be written (the destination refused them or
    /// failed), kept only in memory: lost when the process ends.
    public var lost = 0
    /// Why the last lost letter was not written.
    public var lastError: ErrorInfo?

    public init(destination: String, written: Int = 0, lost: Int = 0, lastError: ErrorInfo? = nil) {
        self.destination = destination
        self.written = written
        self.lost = lost
        self.lastError = lastError
    }

    /// Letters handed to the sink.
    public var handed: Int { written + lost }
}
