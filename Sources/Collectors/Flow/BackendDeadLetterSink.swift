/// Stores dead letters in a storage backend (one record per letter, see
/// `DeadLetter.value`). A letter the backend refuses is kept in memory, so
/// that it is not lost silently.
public final class BackendDeadLetterSink: DeadLetterSink {
    public let backend: any StorageBackend
    /// Where letters go that the backend refused.
    public let fallback: InMemoryDeadLetterSink

    public init(backend: any StorageBackend, fallback: InMemoryDeadLetterSink = InMemoryDeadLetterSink()) {
        self.backend = backend
        self.fallback = fallback
    }

    public func deadLetter(_ letter: DeadLetter) async {
        do {
            _ = try await backend.store(letter.value)
        } catch {
            await fallback.deadLetter(letter)
        }
    }
}
