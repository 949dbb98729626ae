/// A backend that can say how many records it holds without reading them
/// (`SELECT count(*)`, a counter). Callers that need a count ask for this
/// capability and fall back to reading the records for backends without it.
public protocol CountingBackend: StorageBackend {
    /// How many records the backend holds now.
    func storedCount() async throws -> Int
}
