import COpenSSL
import Foundation

/// TLS over a connected socket, with the system OpenSSL.
///
/// `@unchecked Sendable`: the `SSL` object is used only under `lock` (an
/// `SSL` must not be used by two threads at once); reads take the lock
/// only once `poll` (or OpenSSL's own buffer) says bytes are there, so a
/// waiting reader does not hold up writes.
final class TLSChannel: ByteChannel, @unchecked Sendable {
    private let fd: Int32
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let lock = NSLock()
    private var isClosed = false

    /// Connects TLS on `fd` (which it then owns), verifying the certificate
    /// against the system store or `caFile`, and the host name, unless `verify` is off.
    init(fd: Int32, host: String, caFile: String?, verify: Bool) throws(ChannelError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            Foundation.close(fd)
            throw ChannelError(message: "TLS: cannot create a context")
        }
        if verify {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if let caFile {
                SSL_CTX_load_verify_locations(context, caFile, nil)
            } else {
                SSL_CTX_set_default_verify_paths(context)
            }
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            Foundation.close(fd)
            throw ChannelError(message: "TLS: cannot create a connection")
        }
        SSL_set_fd(ssl, fd)
        _ = collector_ssl_set_host_name(ssl, host)
        if verify {
            // An IP address is checked against the certificate's IP names, anything else as a host name.
            var address = in6_addr()
            if inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1 {
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
            } else {
                SSL_set1_host(ssl, host)
            }
        }
        if SSL_connect(ssl) != 1 {
            let reason = TLSChannel.lastError(ssl)
            SSL_free(ssl)
            SSL_CTX_free(context)
            Foundation.close(fd)
            throw ChannelError(message: "TLS handshake with \(host) failed: \(reason)")
        }
        self.fd = fd
        self.context = context
        self.ssl = ssl
    }

    private static func lastError(_ ssl: OpaquePointer) -> String {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK { return String(cString: X509_verify_cert_error_string(verify)) }
        let code = ERR_get_error()
        guard code != 0 else { return "connection closed" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, timeoutMS: Int32) -> ReadOutcome {
        let buffered = lock.withLock { isClosed ? 0 : SSL_pending(ssl) }
        if buffered == 0, !Sockets.waitReadable(fd, timeoutMS: timeoutMS) { return .idle }
        return lock.withLock {
            if isClosed { return .end }
            let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if n > 0 { return .bytes(Int(n)) }
            switch SSL_get_error(ssl, n) {
            case SSL_ERROR_ZERO_RETURN: return .end
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .idle
            case SSL_ERROR_SYSCALL: return n == 0 ? .end : .failed("TLS read: \(String(cString: strerror(errno)))")
            default: return .failed("TLS read failed")
            }
        }
    }

    func write(_ bytes: [UInt8]) throws(ChannelError) {
        let ok = lock.withLock {
            guard !isClosed else { return false }
            return bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) == Int32(bytes.count) }
        }
        if !ok { throw ChannelError(message: "TLS write failed") }
    }

    func close() {
        // Unblocks a reader first (outside the lock it may hold), then frees.
        shutdown(fd, Int32(SHUT_RDWR))
        lock.withLock {
            guard !isClosed else { return }
            isClosed = true
            SSL_free(ssl)
            SSL_CTX_free(context)
            Foundation.close(fd)
        }
    }
}
