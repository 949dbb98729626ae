import Collectors
import Foundation
import Glibc
import LuaRuntime

/// Lets engine tasks run code on the thread that owns the script's Lua state.
///
/// The script's state belongs to the thread that runs the script. While its
/// pipelines run, that thread waits in `run(_:)`, running the jobs that tasks
/// send with `perform(_:)` — a Lua function in a pipeline, an event handler,
/// a timer — one at a time, so the state is never used by two threads.
/// Outside `run(_:)`, `perform` fails with `ScriptLoop.Stopped`, unless a
/// `retain()` holds the loop open: then jobs wait for the next `run`.
public final class ScriptLoop: @unchecked Sendable {
    // @unchecked: `jobs` and `pumping` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    /// Runs waiting, hosts and retains: while above zero, `perform` queues.
    private var pumping = 0

    /// A queued `perform`: run on the script's thread, or refused.
    private struct Job {
        let run: () -> Void
        let refuse: () -> Void
    }
    /// The pipe that wakes a hosting thread's own event loop (see `host()`).
    private var wakePipe: (read: Int32, write: Int32)?
    /// The thread running jobs now (nil between jobs), and how many of its
    /// jobs are under way (a job can run a nested loop).
    private var jobThread: pthread_t?
    private var jobDepth = 0
    /// `run` calls waiting now, and whether `interrupt()` asked the innermost to end.
    private var waiting = 0
    private var interruptRequested = false

    /// `perform` was called while no `run` was waiting for work.
    public struct Stopped: Error, CustomStringConvertible {
        public var description: String { "the script's thread is not running pipelines" }
    }

    public init() {}

    /// `interrupt()` ended a `run` before its body finished (the body's task is cancelled).
    public struct Interrupted: Error, CustomStringConvertible {
        public var description: String { "interrupted" }
    }

    /// Runs `body` and, while it runs, the jobs sent to this loop (on the calling thread).
    /// - Throws: what `body` throws; `Interrupted` when `interrupt()` ends the wait first.
    public func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Locked<Result<T, any Error>?>(nil)
        condition.lock()
        pumping += 1
        waiting += 1
        condition.unlock()
        let task = Task {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            self.wake()
        }
        while true {
            condition.lock()
            while jobs.isEmpty && !interruptRequested && result.withLock({ $0 == nil }) { condition.wait() }
            if interruptRequested && result.withLock({ $0 == nil }) {
                interruptRequested = false
                waiting -= 1
                pumping -= 1
                // Jobs nobody will run any more are refused rather than left waiting.
                var refused: [Job] = []
                if pumping == 0 { swap(&refused, &jobs) }
                condition.unlock()
                for job in refused { job.refuse() }
                task.cancel()
                throw Interrupted()
            }
            let batch = jobs
            jobs = []
            if batch.isEmpty {
                // Done, under the lock: no job can arrive between the check and this.
                // An interrupt that came as it finished has nothing left to end.
                interruptRequested = false
                waiting -= 1
                pumping -= 1
                condition.unlock()
                break
            }
            condition.unlock()
            runJobs(batch)
        }
        return try result.withLock { $0! }.get()
    }

    /// Ends the innermost `run` waiting now with `Interrupted` (Ctrl-C in
    /// the REPL during `p:wait()`, `p:tap()`, `src:collect()`); jobs it was
    /// running for others stay queued for the next waiter. False when no
    /// `run` is waiting: nothing was interrupted.
    @discardableResult
    public func interrupt() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard waiting > 0 else { return false }
        interruptRequested = true
        condition.signal()
        return true
    }

    /// Keeps `perform` queueing jobs while no `run` waits, until the matching
    /// `release()`. A pipeline starts before the script's thread waits for
    /// it; without this, its first events and function calls would find
    /// nobody to run them and be refused.
    public func retain() {
        condition.lock()
        pumping += 1
        condition.unlock()
    }

    /// Ends a `retain()` (or a `host()`); when nothing holds the loop open
    /// any more, jobs still queued are refused with `Stopped`.
    public func release() {
        condition.lock()
        pumping -= 1
        var refused: [Job] = []
        if pumping == 0 { swap(&refused, &jobs) }
        condition.unlock()
        for job in refused { job.refuse() }
    }

    private func wake() {
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    /// Wakes a hosting thread's event loop (see `host()`), as a queued job would.
    public func wakeHost() {
        condition.lock()
        defer { condition.unlock() }
        if let wakePipe {
            var byte: UInt8 = 1
            _ = Glibc.write(wakePipe.write, &byte, 1)
        }
    }

    /// For a thread that waits in an event loop of its own (the REPL's line
    /// editor) rather than in `run(_:)`: from now on `perform` queues its
    /// jobs and writes a byte to the returned descriptor; the thread then
    /// calls `runPending()`. Until `endHosting()`.
    public func host() -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        pumping += 1
        if let wakePipe { return wakePipe.read }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return -1 }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        wakePipe = (fds[0], fds[1])
        return fds[0]
    }

    public func endHosting() { release() }

    /// Runs the jobs queued so far, on the calling thread (the one that owns the state).
    public func runPending() {
        condition.lock()
        let batch = jobs
        jobs = []
        if let wakePipe {
            var sink = [UInt8](repeating: 0, count: 64)
            while Glibc.read(wakePipe.read, &sink, sink.count) > 0 {}
        }
        condition.unlock()
        runJobs(batch)
    }

    private func runJobs(_ batch: [Job]) {
        condition.lock()
        jobThread = pthread_self()
        jobDepth += 1
        condition.unlock()
        defer {
            condition.lock()
            jobDepth -= 1
            if jobDepth == 0 { jobThread = nil }
            condition.unlock()
        }
        for job in batch { job.run() }
    }

    /// Whether the calling thread is running one of this loop's jobs now: a
    /// function of the script the engine called (a processing function, an
    /// event handler). The only place a `LoopBound` value may be used.
    public var inJob: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard jobDepth > 0, let jobThread else { return false }
        return pthread_equal(jobThread, pthread_self()) != 0
    }

    /// Runs `job` on the script's thread and returns its result.
    /// - Throws: `Stopped` when no `run` is waiting for work; what `job` throws.
    public func perform<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            guard pumping > 0 else {
                condition.unlock()
                // Resumed after unlocking: never resume a continuation under a lock.
                continuation.resume(throwing: Stopped())
                return
            }
            jobs.append(Job(
                run: { continuation.resume(with: Result { try job() }) },
                refuse: { continuation.resume(throwing: Stopped()) }))
            condition.signal()
            if let wakePipe {
                var byte: UInt8 = 1
                _ = Glibc.write(wakePipe.write, &byte, 1)
            }
            condition.unlock()
        }
    }
}

