import CLua
import Synchronization

/// A Lua value that Swift keeps alive through a registry reference.
///
/// Refs may be released from any thread: the release is queued and the
/// owning state drains the queue the next time it runs. None is touched
/// after the state has closed.
public final class LuaRef: Sendable {
    let id: Int32
    let owner: LuaRefOwner

    init(id: Int32, owner: LuaRefOwner) {
        self.id = id
        self.owner = owner
    }

    deinit {
        owner.release(id)
    }
}

/// The state's side of its refs: the queue of releases to perform.
final class LuaRefOwner: Sendable {
    private struct Queue {
        var pending: [Int32] = []
        var closed = false
    }

    private let queue = Mutex(Queue())
    private let pendingCount = Atomic<Int>(0)

    func release(_ id: Int32) {
        queue.withLock { queue in
            guard !queue.closed else { return }
            queue.pending.append(id)
            pendingCount.add(1, ordering: .relaxed)
        }
    }

    /// Unrefs what was released since the last drain. Owner thread only.
    func drain(_ L: OpaquePointer) {
        guard pendingCount.load(ordering: .relaxed) > 0 else { return }
        let ids = queue.withLock { queue in
            let ids = queue.pending
            queue.pending.removeAll(keepingCapacity: true)
            pendingCount.store(0, ordering: .relaxed)
            return ids
        }
        for id in ids { luaL_unref(L, CLUA_REGISTRYINDEX, id) }
    }

    /// Releases queued and not yet drained (for tests).
    var pendingReleases: Int { queue.withLock { $0.pending.count } }

    /// After this, releases are dropped: the registry they point into is gone.
    func close() {
        queue.withLock { queue in
            queue.closed = true
            queue.pending = []
        }
    }

    var isClosed: Bool { queue.withLock { $0.closed } }
}

/// A Lua function held by Swift. Call it through the state that made it.
public struct LuaFunction: Sendable {
    let ref: LuaRef
}

/// A Lua table held by Swift.
public struct LuaTable: Sendable {
    let ref: LuaRef
}
