/// What became of the letters a dead-letter sink was given.
public struct DeadLetterTally: Sendable, Hashable {
    /// Names the destination in messages (`jsonl:dead.jsonl`).
    public var destination: String
    /// Letters the destination took.
    public var written = 0
    /// Letters the destination could not take that went to the spool
    /// (written when it is replayed).
    public var spooled = 0
    /// Letters that could not be written (the destination refused them or
    /// failed, and no spool took them), kept only in memory: lost when the process ends.
    public var lost = 0
    /// Letters written from the spool (those of this run or of an earlier one).
    public var replayed = 0
    /// Why the last letter that was not written (spooled or lost) was not.
    public var lastError: ErrorInfo?

    public init(destination: String, written: Int = 0, spooled: Int = 0, lost: Int = 0, lastError: ErrorInfo? = nil) {
        self.destination = destination
        self.written = written
        self.spooled = spooled
        self.lost = lost
        self.lastError = lastError
    }

    /// Letters handed to the sink.
    public var handed: Int { written + spooled + lost }
}
