/// Where records go that a processor or a backend could not handle.
public protocol DeadLetterSink: Sendable {
    func deadLetter(_ letter: DeadLetter) async
}
