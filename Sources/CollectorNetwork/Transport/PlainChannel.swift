import Collectors
import Foundation

/// Plain TCP over a non-blocking socket, which it owns.
package final class PlainChannel: ByteChannel {
    package let fd: Int32

    package init(fd: Int32) { self.fd = fd }

    deinit { Foundation.close(fd) }

    package func receive(into buffer: UnsafeMutableRawBufferPointer) -> IOStep {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return .transferred(count) }
            if count == 0 { return .end }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock(.read)
            case let code: return .failed(socketError(code, "read failed"))
            }
        }
    }

    package func send(_ bytes: UnsafeRawBufferPointer) -> IOStep {
        while true {
            // MSG_NOSIGNAL: a peer that has gone is an error here, not a SIGPIPE for the process.
            let count = Foundation.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .transferred(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock(.write)
            case let code: return .failed(socketError(code, "write failed"))
            }
        }
    }

    package var hasBufferedInput: Bool { false }

    package func close() { shutdown(fd, Int32(SHUT_RDWR)) }
}
