import Collectors
import COpenSSL
import Foundation

/// TLS over a connected non-blocking socket, with the system OpenSSL.
///
/// `@unchecked Sendable`: the `SSL` object is only used under `lock` (an
/// `SSL` must not be used by two threads at once: the WebSocket reader
/// reads while others write). Waiting happens outside the lock, so a
/// waiting reader does not hold up writes.
package final class TLSChannel: ByteChannel, @unchecked Sendable {
    package let fd: Int32
    private let ssl: OpaquePointer
    private let host: String
    private let lock = NSLock()
    private var isClosed = false

    /// Prepares TLS on `fd` (which it then owns) for `host`: SNI, and with
    /// verification the certificate's host name (or IP address).
    /// `handshake(deadline:)` must run before anything else.
    package init(fd: Int32, host: String, context: TLSContext, verify: Bool) throws(NetworkError) {
        guard let ssl = SSL_new(context.pointer) else {
            Foundation.close(fd)
            throw NetworkError(.tlsFailed, "TLS: cannot create a connection")
        }
        guard let bio = collector_bio_new_socket(context.socketMethod, fd) else {
            SSL_free(ssl)
            Foundation.close(fd)
            throw NetworkError(.tlsFailed, "TLS: cannot create a socket BIO")
        }
        SSL_set_bio(ssl, bio, bio)  // the SSL owns the BIO from here
        _ = collector_ssl_set_host_name(ssl, host)
        if verify {
            var address = in6_addr()
            if inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1 {
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
            } else {
                SSL_set1_host(ssl, host)
            }
        }
        self.fd = fd
        self.ssl = ssl
        self.host = host
    }

    deinit {
        SSL_free(ssl)
        Foundation.close(fd)
    }

    /// The client's handshake, waiting in the poll loop as the socket needs.
    package nonisolated(nonsending) func handshake(deadline: Deadline) async throws(NetworkError) {
        while true {
            let step = lock.withLock { () -> IOStep in
                let result = SSL_connect(ssl)
                if result == 1 { return .transferred(1) }
                switch SSL_get_error(ssl, result) {
                case SSL_ERROR_WANT_READ: return .wouldBlock(.read)
                case SSL_ERROR_WANT_WRITE: return .wouldBlock(.write)
                default: return .failed(NetworkError(.tlsFailed, "TLS handshake with \(host) failed: \(failureReason())"))
                }
            }
            switch step {
            case .transferred: return
            case .failed(let error): throw error
            case .end: throw NetworkError(.tlsFailed, "TLS handshake with \(host) failed: connection closed")
            case .wouldBlock(let interest):
                switch await PollLoop.shared.wait(for: interest, on: fd, until: deadline.forWait()) {
                case .ready: continue
                case .timedOut: throw NetworkError(.timedOut, "TLS handshake with \(host) timed out")
                case .cancelled: throw NetworkError(.cancelled, "cancelled")
                }
            }
        }
    }

    /// Why the last call failed: the certificate check, else OpenSSL's error queue. Called under `lock`.
    private func failureReason() -> String {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK { return String(cString: X509_verify_cert_error_string(verify)) }
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "connection closed" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    package func receive(into buffer: UnsafeMutableRawBufferPointer) -> IOStep {
        lock.withLock {
            if isClosed { return .end }
            errno = 0  // SSL_ERROR_SYSCALL is read with errno: no stale value
            let count = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if count > 0 { return .transferred(Int(count)) }
            return outcome(of: count, what: "TLS read")
        }
    }

    package func send(_ bytes: UnsafeRawBufferPointer) -> IOStep {
        lock.withLock {
            if isClosed { return .failed(NetworkError(.connectionLost, "the connection is closed")) }
            errno = 0
            let count = SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
            if count > 0 { return .transferred(Int(count)) }
            return outcome(of: count, what: "TLS write")
        }
    }

    /// A read or write that moved nothing. Called under `lock`.
    private func outcome(of result: Int32, what: String) -> IOStep {
        let code = errno
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_ZERO_RETURN: return .end
        case SSL_ERROR_WANT_READ: return .wouldBlock(.read)
        case SSL_ERROR_WANT_WRITE: return .wouldBlock(.write)
        case SSL_ERROR_SYSCALL:
            ERR_clear_error()
            return code == 0 ? .end : .failed(socketError(code, "\(what) failed"))
        default:
            return .failed(NetworkError(.connectionLost, "\(what) failed: \(failureReason())"))
        }
    }

    package var hasBufferedInput: Bool {
        lock.withLock { !isClosed && SSL_pending(ssl) > 0 }
    }

    package func close() {
        // Wakes a waiting reader first (it may be about to take the lock).
        shutdown(fd, Int32(SHUT_RDWR))
        lock.withLock { isClosed = true }
    }
}
