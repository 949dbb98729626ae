/// Why a connection, a request or a response failed, sorted by what a
/// caller may do about it (retry, give up, fix its configuration).
package struct NetworkError: Error, CustomStringConvertible, Sendable {
    package enum Kind: Sendable, Equatable {
        /// The name does not resolve (DNS), or cannot be a host name at all.
        case hostNotFound
        /// Nothing listens at that address.
        case connectionRefused
        /// No route to the host, network down.
        case unreachable
        /// Connecting, or waiting for the peer, took longer than allowed.
        case timedOut
        /// The TLS handshake failed: untrusted or mismatching certificate, protocol error.
        case tlsFailed
        /// The connection was closed or reset before the exchange was complete.
        case connectionLost
        /// The response's body ended before the length its framing announced.
        case bodyCutOff
        /// The response's body is longer than the caller's limit (it was not read further).
        case responseTooLarge(limit: Int, status: Int)
        /// The peer's answer is not HTTP/1.x as it must be.
        case badResponse
        /// The proxy answered `CONNECT` with this status instead of opening a tunnel.
        case proxyRefused(status: Int)
        /// More redirects in a row than allowed.
        case tooManyRedirects
        /// The request cannot be sent as asked: a URL that is not http(s), a header with a line break.
        case invalidRequest
        /// The waiting task was cancelled.
        case cancelled
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}
