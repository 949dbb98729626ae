import Collectors
import Foundation

/// Reads from a pipe or terminal (stdin, a child's stdout) without blocking
/// a thread of Swift's cooperative pool and without a thread of its own:
/// the read waits in the shared `PollLoop` until the descriptor is readable
/// (or at its end), then reads what is there. Cancelling the task ends a
/// waiting read at once.
///
/// A descriptor in non-blocking mode is read first and waited on only when
/// it is empty. One left blocking (standard input, whose mode the terminal
/// or the parent shares) is read only once poll says it is ready, which for
/// a pipe or a terminal means the read returns without waiting: so there
/// must be one reader at a time (the sources make sure of it).
struct PipeReader: Sendable {
    let fd: Int32
    let chunkSize: Int
    private let nonBlocking: Bool

    init(fd: Int32, chunkSize: Int = 64 << 10) {
        self.fd = fd
        self.chunkSize = chunkSize
        let flags = fcntl(fd, F_GETFL)
        nonBlocking = flags >= 0 && flags & O_NONBLOCK != 0
    }

    /// Puts a descriptor this process owns alone (a child's pipe) in non-blocking mode.
    static func makeNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// The next bytes available; empty at end of input.
    /// - Throws: `CancellationError` when the task is cancelled, the errno of a failed read.
    func read() async throws -> [UInt8] {
        var mayRead = nonBlocking
        while true {
            if mayRead {
                var buffer = [UInt8](repeating: 0, count: chunkSize)
                let outcome = buffer.withUnsafeMutableBytes { POSIXFile.read(fd, into: $0) }
                switch outcome {
                case .success(let n):
                    buffer.removeSubrange(n...)
                    return buffer
                case .failure(let code) where code.code == EAGAIN || code.code == EWOULDBLOCK:
                    break
                case .failure(let code):
                    throw code
                }
            }
            // Readable, at its end, or failed (POLLHUP, POLLERR, POLLNVAL): the read says which.
            switch await PollLoop.shared.wait(for: .read, on: fd, until: nil) {
            case .ready: mayRead = true
            case .timedOut: mayRead = false
            case .cancelled: throw CancellationError()
            }
        }
    }
}
