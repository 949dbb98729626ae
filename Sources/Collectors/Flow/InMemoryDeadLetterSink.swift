/// Keeps dead letters in memory, up to a limit (the oldest go first): for
/// tests, the REPL, and as the last resort when no other sink is configured.
public final class InMemoryDeadLetterSink: DeadLetterSink {
    private struct State {
        var letters: [DeadLetter] = []
        var discarded = 0
    }

    public let limit: Int
    private let state = Locked(State())

    public init(limit: Int = 10_000) {
        self.limit = max(1, limit)
    }

    public func deadLetter(_ letter: DeadLetter) async {
        keep(letter)
    }

    /// Keeps a letter (synchronously).
    func keep(_ letter: DeadLetter) {
        state.withLock { s in
            if s.letters.count == limit {
                s.letters.removeFirst()
                s.discarded += 1
            }
            s.letters.append(letter)
        }
    }

    public var letters: [DeadLetter] { state.withLock { $0.letters } }
    /// Letters dropped because the limit was reached.
    public var discardedCount: Int { state.withLock { $0.discarded } }
}
