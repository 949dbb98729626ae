import Dispatch
import Foundation
import Synchronization

/// A thread of its own for a file source's blocking calls (read(2) of a
/// chunk, the write and rename of a position file), so that a slow disk or
/// a hung network file system stalls that source only, never a thread of
/// Swift's cooperative pool (one per core). The thread starts with the
/// first call and ends when its owner is gone.
///
/// Calls hop here per chunk read, not per line: lines are split on the
/// caller's side.
final class FileIOThread: Sendable {
    /// The queue the thread drains; the thread holds it, not the owner, so
    /// that the owner's end stops the thread.
    private final class Queue: Sendable {
        struct Jobs: ~Copyable {
            var pending: [@Sendable () -> Void] = []
            var started = false
            var stopped = false
        }

        let jobs = Mutex(Jobs())
        let wakeup = DispatchSemaphore(value: 0)

        func run() {
            var batch: [@Sendable () -> Void] = []
            while true {
                wakeup.wait()
                let stopped = jobs.withLock { jobs in
                    swap(&batch, &jobs.pending)
                    return jobs.stopped
                }
                for job in batch { job() }
                batch.removeAll(keepingCapacity: true)
                if stopped, jobs.withLock({ $0.pending.isEmpty }) { return }
            }
        }
    }

    private let queue = Queue()
    private let name: String

    init(name: String) { self.name = name }

    deinit {
        queue.jobs.withLock { $0.stopped = true }
        queue.wakeup.signal()
    }

    /// Runs `body` on the thread and returns what it returns. Not cut short
    /// by cancellation: a system call under way finishes.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { continuation.resume(returning: body()) }
        }
    }

    /// Closes `fd` once the calls queued before have run (a read of it among them).
    func close(_ fd: Int32) {
        submit { POSIXFile.close(fd) }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        let start = queue.jobs.withLock { jobs -> Bool in
            jobs.pending.append(job)
            defer { jobs.started = true }
            return !jobs.started
        }
        if start {
            let thread = Thread { [queue] in queue.run() }
            thread.name = name
            thread.start()
        }
        queue.wakeup.signal()
    }

    /// Reads up to `count` bytes at the descriptor's offset: the bytes (empty at the end), or the errno.
    func read(_ fd: Int32, upTo count: Int) async -> Result<[UInt8], POSIXErrorCode32> {
        await run {
            var failure: POSIXErrorCode32?
            let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, filled in
                switch POSIXFile.read(fd, into: UnsafeMutableRawBufferPointer(buffer)) {
                case .success(let n): filled = n
                case .failure(let code):
                    failure = code
                    filled = 0
                }
            }
            if let failure { return .failure(failure) }
            return .success(bytes)
        }
    }
}
