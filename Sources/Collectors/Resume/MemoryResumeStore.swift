import CollectorValues

/// A `ResumeStore` in memory: for tests and for pipelines restarted within one process.
public final class MemoryResumeStore: ResumeStore {
    private let scopes = Locked([String: [String: DataValue]]())
    /// How many times `save` was called, for tests.
    private let saveCount = Locked(0)

    public init() {}

    public var description: String { "memory" }
    public var saves: Int { saveCount.withLock { $0 } }

    public func load(scope: String) async throws -> [String: DataValue] {
        scopes.withLock { $0[scope] ?? [:] }
    }

    public func save(scope: String, entries: [String: DataValue]) async throws {
        scopes.withLock { $0[scope, default: [:]].merge(entries) { _, new in new } }
        saveCount.withLock { $0 += 1 }
    }

    public func close() async {}
}
