/// Where records go that a processor or a backend could not handle.
public protocol DeadLetterSink: Sendable {
    func deadLetter(_ letter: DeadLetter) async
    /// How many letters were written and how many could not be; `nil` when
    /// the sink does not know (every letter handed to it then counts as written).
    var tally: DeadLetterTally? { get }
}

extension DeadLetterSink {
    public var tally: DeadLetterTally? { nil }
}
