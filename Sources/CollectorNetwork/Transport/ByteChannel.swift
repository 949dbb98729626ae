import Collectors
import Foundation

/// What one non-blocking read or write did.
package enum IOStep {
    /// Bytes read or written (never 0).
    case transferred(Int)
    /// The peer closed its side (reads only).
    case end
    /// Nothing could move now: wait for the socket to be ready for that.
    case wouldBlock(PollLoop.Interest)
    case failed(NetworkError)
}

/// What a blocking read with a timeout gave (`read(into:timeoutMS:)`).
package enum ReadOutcome {
    case bytes(Int)
    /// Nothing within the timeout.
    case idle
    case end
    case failed(String)
}

/// A connected byte stream over a non-blocking socket: plain TCP or TLS.
///
/// The primitives never block. Tasks wait between them in the `PollLoop`
/// (`read(into:from:deadline:)`, `write(_:deadline:)`); a thread of its own
/// may block instead (`read(into:timeoutMS:)`, `write(_:)`), as the
/// WebSocket reader does.
///
/// `close()` shuts the socket down (a waiting read returns at once); the
/// descriptor itself is released when the channel is deinitialized, so
/// that its number cannot be reused under a read still running.
package protocol ByteChannel: AnyObject, Sendable {
    var fd: Int32 { get }
    /// Reads what is there, without blocking.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> IOStep
    /// Writes what the socket takes now, without blocking.
    func send(_ bytes: UnsafeRawBufferPointer) -> IOStep
    /// Bytes already decrypted and not read yet: `poll` cannot see them.
    var hasBufferedInput: Bool { get }
    func close()
}

extension ByteChannel {
    /// Runs `step` until it moves bytes, waiting in the poll loop whenever it
    /// would block. Returns the bytes moved, 0 at the end of the stream.
    package nonisolated(nonsending) func perform(
        _ step: () -> IOStep, deadline: Deadline
    ) async throws(NetworkError) -> Int {
        while true {
            switch step() {
            case .transferred(let count): return count
            case .end: return 0
            case .failed(let error): throw error
            case .wouldBlock(let interest):
                switch await PollLoop.shared.wait(for: interest, on: fd, until: deadline.forWait()) {
                case .ready: continue
                case .timedOut: throw NetworkError(.timedOut, "timed out waiting for the peer")
                case .cancelled: throw NetworkError(.cancelled, "cancelled")
                }
            }
        }
    }

    /// Writes all of `bytes`, waiting while the socket is full.
    package nonisolated(nonsending) func write(_ bytes: [UInt8], deadline: Deadline) async throws(NetworkError) {
        var sent = 0
        while sent < bytes.count {
            let offset = sent
            sent += try await perform(
                { bytes.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[offset...])) } }, deadline: deadline)
        }
    }

    /// Waits up to `timeoutMS` for bytes, then reads what is there; blocks the calling thread.
    package func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMS: Int32) -> ReadOutcome {
        if !hasBufferedInput {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, timeoutMS) > 0 else { return .idle }
        }
        switch receive(into: buffer) {
        case .transferred(let count): return .bytes(count)
        case .end: return .end
        case .wouldBlock: return .idle
        case .failed(let error): return .failed(error.message)
        }
    }

    /// Writes all of `bytes`, blocking the calling thread while the socket is full.
    package func write(_ bytes: [UInt8]) throws(NetworkError) {
        var sent = 0
        while sent < bytes.count {
            let offset = sent
            switch bytes.withUnsafeBytes({ send(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
            case .transferred(let count): sent += count
            case .end: throw NetworkError(.connectionLost, "the connection is closed")
            case .failed(let error): throw error
            case .wouldBlock(let interest):
                var pfd = pollfd(fd: fd, events: Int16(interest == .read ? POLLIN : POLLOUT), revents: 0)
                _ = poll(&pfd, 1, 1000)
            }
        }
    }
}

/// The errno of a failed socket call as a `NetworkError`.
package func socketError(_ code: Int32, _ what: String) -> NetworkError {
    let reason = String(cString: strerror(code))
    switch code {
    case ECONNREFUSED: return NetworkError(.connectionRefused, "\(what): \(reason)")
    case ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL:
        return NetworkError(.unreachable, "\(what): \(reason)")
    case ETIMEDOUT: return NetworkError(.timedOut, "\(what): \(reason)")
    default: return NetworkError(.connectionLost, "\(what): \(reason)")
    }
}
