import COpenSSL
import Collectors

/// An OpenSSL client context per set of `TLSOptions`, made once and kept for
/// the process: loading a CA file (or looking up the system store) per
/// connection would cost more than the handshake's own work.
///
/// `@unchecked Sendable`: the context is configured before it is shared and
/// only read afterwards (`SSL_new`), which OpenSSL allows from any thread.
package final class TLSContext: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The BIO method that writes with MSG_NOSIGNAL (see shim.h), for this context's connections.
    let socketMethod: OpaquePointer

    private init(pointer: OpaquePointer, socketMethod: OpaquePointer) {
        self.pointer = pointer
        self.socketMethod = socketMethod
    }

    private static let cache = Locked([TLSOptions: TLSContext]())

    package static func client(_ options: TLSOptions) throws(NetworkError) -> TLSContext {
        if let known = cache.withLock({ $0[options] }) { return known }
        guard let pointer = SSL_CTX_new(TLS_client_method()) else {
            throw NetworkError(.tlsFailed, "TLS: cannot create a context")
        }
        collector_ssl_ctx_set_nonblocking_modes(pointer)
        collector_ssl_ctx_ignore_unexpected_eof(pointer)
        if options.verify {
            SSL_CTX_set_verify(pointer, SSL_VERIFY_PEER, nil)
            if let caFile = options.caFile {
                guard SSL_CTX_load_verify_locations(pointer, caFile, nil) == 1 else {
                    SSL_CTX_free(pointer)
                    throw NetworkError(.tlsFailed, "TLS: cannot load the CA file \(caFile)")
                }
            } else {
                SSL_CTX_set_default_verify_paths(pointer)
            }
        }
        guard let method = collector_bio_method_new() else {
            SSL_CTX_free(pointer)
            throw NetworkError(.tlsFailed, "TLS: cannot create a socket BIO method")
        }
        let context = TLSContext(pointer: pointer, socketMethod: method)
        return cache.withLock { cache in
            // Two first uses at once: keep the first, free ours.
            if let known = cache[options] {
                SSL_CTX_free(pointer)
                BIO_meth_free(method)
                return known
            }
            cache[options] = context
            return context
        }
    }
}
