import Foundation
import Synchronization

/// A serial executor that runs every job on one thread of its own.
///
/// SQLite and libpq block the calling thread (disk I/O, busy waits, network
/// round trips). On the cooperative pool (one thread per core) that would
/// stall unrelated tasks, so each backend's actor runs on a thread of its own.
/// The queue is a `Mutex` and the wake-up a semaphore: both are `Sendable`,
/// so the executor is too, with nothing unchecked.
package final class StorageThreadExecutor: SerialExecutor {
    private struct Queue: ~Copyable {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    private let wakeup = DispatchSemaphore(value: 0)

    package init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.jobs.append(job) }
        wakeup.signal()
    }

    /// Lets the thread finish the queued jobs and exit.
    package func stop() {
        queue.withLock { $0.stopped = true }
        wakeup.signal()
    }

    private func run() {
        var batch: [UnownedJob] = []
        while true {
            wakeup.wait()
            let stopped = queue.withLock { state in
                swap(&batch, &state.jobs)
                return state.stopped
            }
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
            batch.removeAll(keepingCapacity: true)
            if stopped && queue.withLock({ $0.jobs.isEmpty }) { return }
        }
    }
}
