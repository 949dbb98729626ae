import COpenSSL
import Collectors
import Foundation

/// What a read from a socket gave.
enum ReadOutcome {
    case bytes(Int)
    /// Nothing within the poll timeout.
    case idle
    case end
    case failed(String)
}

/// A connected byte stream: a plain TCP socket or TLS over one. Used by
/// the connection's reader thread for reads and by anyone for writes;
/// `TLSChannel` serializes OpenSSL calls, which must not run concurrently.
protocol ByteChannel: Sendable {
    /// Waits up to `timeoutMS` for bytes, then reads what is there.
    func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMS: Int32) -> ReadOutcome
    func write(_ bytes: [UInt8]) throws(ChannelError)
    /// Stops both directions (a blocked read returns), then releases the socket.
    func close()
}

struct ChannelError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The socket seam (Glibc on Linux): connect with a timeout, poll, send, recv.
enum Sockets {
    static func connect(host: String, port: Int, timeout: Duration) throws(ChannelError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw ChannelError(message: "host not found: \(host) (\(String(cString: gai_strerror(status))))")
        }
        defer { freeaddrinfo(result) }
        var lastError = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd < 0 { continue }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var rc = Foundation.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
            if rc != 0 && errno == EINPROGRESS {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ms = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
                if poll(&pfd, 1, ms) == 1 {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    rc = error == 0 ? 0 : -1
                    if error != 0 { errno = error }
                } else {
                    errno = ETIMEDOUT
                }
            }
            if rc == 0 {
                _ = fcntl(fd, F_SETFL, flags)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            }
            lastError = String(cString: strerror(errno))
            Foundation.close(fd)
        }
        throw ChannelError(message: "cannot connect to \(host):\(port): \(lastError)")
    }

    /// `true` when `fd` is readable within `timeoutMS`.
    static func waitReadable(_ fd: Int32, timeoutMS: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, timeoutMS) > 0
    }
}

/// Plain TCP.
final class PlainChannel: ByteChannel {
    let fd: Int32
    private let closed = Locked(false)

    init(fd: Int32) { self.fd = fd }

    func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMS: Int32) -> ReadOutcome {
        guard Sockets.waitReadable(fd, timeoutMS: timeoutMS) else { return .idle }
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n > 0 { return .bytes(n) }
        if n == 0 { return .end }
        if errno == EINTR || errno == EAGAIN { return .idle }
        return .failed(String(cString: strerror(errno)))
    }

    func write(_ bytes: [UInt8]) throws(ChannelError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ChannelError(message: "send failed: \(String(cString: strerror(errno)))")
            }
            sent += n
        }
    }

    func close() {
        let first = closed.withLock { closed -> Bool in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        Foundation.close(fd)
    }
}
