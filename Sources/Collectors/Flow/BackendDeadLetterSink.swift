/// Stores dead letters in a storage backend (one record per letter, in the
/// form every backend takes: `DeadLetter.portableValue`). A letter the
/// backend still refuses, or cannot take (a full disk), is kept in memory
/// and counted as lost in `tally`, so that the run reports it rather than
/// counting it as written.
public final class BackendDeadLetterSink: DeadLetterSink {
    public let backend: any StorageBackend
    /// Where letters go that the backend refused.
    public let fallback: InMemoryDeadLetterSink
    private let counts: Locked<DeadLetterTally>

    public init(backend: any StorageBackend, fallback: InMemoryDeadLetterSink = InMemoryDeadLetterSink()) {
        self.backend = backend
        self.fallback = fallback
        counts = Locked(DeadLetterTally(destination: backend.id))
    }

    public func deadLetter(_ letter: DeadLetter) async {
        do {
            _ = try await backend.store(SecretRedactor.shared.redact(letter.portableValue))
            counts.withLock { $0.written += 1 }
        } catch {
            let info = ErrorInfo(
                from: error, type: .storage, layer: .storage, operation: "dead_letter",
                details: ["backend_id": .string(backend.id)])
            counts.withLock {
                $0.lost += 1
                $0.lastError = info
            }
            await fallback.deadLetter(letter)
        }
    }

    public var tally: DeadLetterTally? { counts.withLock { $0 } }
}
