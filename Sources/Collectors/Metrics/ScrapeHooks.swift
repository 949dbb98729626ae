/// Identifies a scrape hook, for `MetricsRegistry.removeScrapeHook`.
public struct ScrapeHookToken: Hashable, Sendable {
    let id: UInt64
}

/// The registry's scrape hooks, run with a deadline.
///
/// A hook may wait on something busy (a Lua worker in a long call), so it
/// runs in a task of its own and the scrape waits for it only until the
/// deadline; a hook still running from an earlier scrape is waited for
/// again rather than started twice, so slow hooks cannot pile up.
final class ScrapeHooks: Sendable {
    private struct Hook {
        var body: @Sendable () async -> Void
        var running: Task<Void, Never>?
        /// Tells a finished run whether it is still the current one.
        var generation: UInt64 = 0
    }

    private struct State {
        var hooks: [UInt64: Hook] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Locked(State())

    func add(_ body: @escaping @Sendable () async -> Void) -> ScrapeHookToken {
        state.withLock { s in
            s.nextID += 1
            s.hooks[s.nextID] = Hook(body: body)
            return ScrapeHookToken(id: s.nextID)
        }
    }

    func remove(_ token: ScrapeHookToken) {
        _ = state.withLock { $0.hooks.removeValue(forKey: token.id) }
    }

    /// Starts every hook that is not running, and returns when all have
    /// finished or `timeout` has passed, whichever is first.
    func run(timeout: Duration) async {
        let tasks = state.withLock { s -> [Task<Void, Never>] in
            for (id, hook) in s.hooks where hook.running == nil {
                let generation = hook.generation &+ 1
                let body = hook.body
                // Started under the lock, so its clean-up (which takes the lock) sees it stored.
                let task = Task { [state] in
                    await body()
                    state.withLock { s in
                        if s.hooks[id]?.generation == generation { s.hooks[id]?.running = nil }
                    }
                }
                s.hooks[id]?.running = task
                s.hooks[id]?.generation = generation
            }
            return s.hooks.values.compactMap(\.running)
        }
        guard !tasks.isEmpty else { return }
        let waiting = Locked<CheckedContinuation<Void, Never>?>(nil)
        let finish: @Sendable () -> Void = { waiting.withLock { c in c.take() }?.resume() }
        await withCheckedContinuation { continuation in
            waiting.withLock { $0 = continuation }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                finish()
            }
            Task {
                for task in tasks { await task.value }
                timer.cancel()
                finish()
            }
        }
    }
}
