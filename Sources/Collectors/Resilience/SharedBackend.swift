import CollectorValues

/// One backend used by several users at once — pipelines that share it, a
/// one-off query — each through a lease of its own (`lease()`). The backend
/// is connected while any lease holds it: the first lease to connect
/// connects it, the last to disconnect disconnects it. So a pipeline that
/// ends, or a query, never disconnects it under another user.
public actor SharedBackend {
    public nonisolated let base: any StorageBackend
    private var holders = 0
    private var connected = false

    /// A connect or disconnect of `base` under way: everything else waits for it.
    private struct Transition {
        let task: Task<Void, any Error>
        let connects: Bool
    }
    private var transition: Transition?

    public init(_ base: any StorageBackend) {
        self.base = base
    }

    /// A new user of the backend; it holds the backend from its own `connect()` to its `disconnect()`.
    public nonisolated func lease() -> BackendLease { BackendLease(self) }

    /// Leases holding the backend now.
    public var holderCount: Int { holders }

    /// Waits until no connect or disconnect is under way; `connected` then says where the backend is.
    private func settle() async {
        while let pending = transition {
            let outcome = await pending.task.result
            guard transition?.task == pending.task else { continue }
            transition = nil
            if case .success = outcome { connected = pending.connects } else if pending.connects { connected = false }
        }
    }

    fileprivate func acquire() async throws {
        holders += 1
        await settle()
        if connected { return }
        let task = Task { [base] in try await base.connect() }
        transition = Transition(task: task, connects: true)
        await withTaskCancellationHandler { await settle() } onCancel: { task.cancel() }
        if case .failure(let error) = await task.result {
            holders -= 1
            throw error
        }
    }

    fileprivate func release() async {
        guard holders > 0 else { return }
        holders -= 1
        guard holders == 0 else { return }
        await settle()
        // Someone may have taken it again meanwhile.
        guard holders == 0, connected else { return }
        let task = Task { [base] () async throws in await base.disconnect() }
        transition = Transition(task: task, connects: false)
        await settle()
    }
}

/// One user's hold on a `SharedBackend`: a `StorageBackend` whose
/// `connect()` and `disconnect()` take and give back that hold (each at
/// most once, however often they are called), and whose writes and reads
/// go to the shared backend.
public actor BackendLease: StorageBackend {
    public nonisolated let shared: SharedBackend
    public nonisolated var id: String { shared.base.id }
    private var held = false

    init(_ shared: SharedBackend) {
        self.shared = shared
    }

    public func connect() async throws {
        guard !held else { return }
        try await shared.acquire()
        held = true
    }

    public func disconnect() async {
        guard held else { return }
        held = false
        await shared.release()
    }

    public nonisolated func store(_ record: DataValue) async throws -> StorageLocation {
        try await shared.base.store(record)
    }

    public nonisolated func store(batch records: [DataValue]) async throws -> StoredBatch {
        try await shared.base.store(batch: records)
    }

    public nonisolated func store(records: [Record]) async throws -> StoredBatch {
        try await shared.base.store(records: records)
    }

    public nonisolated func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        try await shared.base.query(criteria)
    }

    public nonisolated func delete(locationID: String) async throws {
        try await shared.base.delete(locationID: locationID)
    }
}
