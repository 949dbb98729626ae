import Collectors
import Foundation

/// Reads from a pipe or terminal (stdin, a child's stdout) without blocking
/// a thread of Swift's cooperative pool: each read waits in `poll` on a
/// short-lived thread of its own, waking every 100 ms to notice cancellation.
struct PipeReader: Sendable {
    let fd: Int32
    let chunkSize: Int

    init(fd: Int32, chunkSize: Int = 64 << 10) {
        self.fd = fd
        self.chunkSize = chunkSize
    }

    /// The next bytes available; empty at end of input.
    /// - Throws: `CancellationError` when the task is cancelled, the errno of a failed read.
    func read() async throws -> [UInt8] {
        let cancelled = Locked(false)
        let fd = self.fd
        let chunkSize = self.chunkSize
        let result: Result<[UInt8], any Error> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // A thread of its own, not a Dispatch worker: many sources waiting
                // at once would otherwise exhaust the global queue's threads.
                let thread = Thread {
                    continuation.resume(returning: Self.blockingRead(fd: fd, chunkSize: chunkSize, cancelled: cancelled))
                }
                thread.name = "collector-pipe-read"
                thread.start()
            }
        } onCancel: {
            cancelled.withLock { $0 = true }
        }
        return try result.get()
    }

    private static func blockingRead(fd: Int32, chunkSize: Int, cancelled: Locked<Bool>) -> Result<[UInt8], any Error> {
        while true {
            if cancelled.withLock({ $0 }) { return .failure(CancellationError()) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 100)
            if ready < 0 {
                if errno == EINTR { continue }
                return .failure(POSIXErrorCode32(errno))
            }
            if ready == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: chunkSize)
            let outcome = buffer.withUnsafeMutableBytes { POSIXFile.read(fd, into: $0) }
            switch outcome {
            case .success(let n):
                buffer.removeSubrange(n...)
                return .success(buffer)
            case .failure(let code):
                if code.code == EAGAIN { continue }
                return .failure(code)
            }
        }
    }
}
