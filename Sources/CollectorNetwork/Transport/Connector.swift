import Collectors
import Foundation

/// Opens connections: resolves the host, connects to its addresses in
/// turn (non-blocking, waiting in the poll loop), then runs the TLS
/// handshake for a secure endpoint. Through a proxy: connects to the proxy
/// instead, and unless the caller speaks to the proxy itself (plain HTTP in
/// absolute form) opens a `CONNECT` tunnel to the endpoint first.
package enum Connector {
    /// How a connection through a proxy carries requests.
    package enum ProxyUse: Sendable {
        /// Plain `http://` requests go to the proxy in absolute form; TLS is tunnelled.
        case forward
        /// Always a tunnel (a WebSocket upgrade, even for `ws://`).
        case tunnel
    }

    package nonisolated(nonsending) static func open(
        _ endpoint: Endpoint, tls: TLSOptions, deadline: Deadline, via proxy: ProxyServer? = nil, use: ProxyUse = .forward
    ) async throws(NetworkError) -> any ByteChannel {
        let fd: Int32
        if let proxy {
            let addresses: [SocketAddress]
            do {
                addresses = try await Resolver.resolve(proxy.endpoint.host, port: proxy.endpoint.port, deadline: deadline)
                fd = try await connect(to: addresses, endpoint: proxy.endpoint, deadline: deadline)
            } catch {
                throw NetworkError(error.kind, "cannot reach the proxy \(proxy): \(error.message)")
            }
            if !endpoint.secure, use == .forward { return PlainChannel(fd: fd) }
            let tunnel = PlainChannel(fd: fd)
            try await ProxyTunnel.open(tunnel, to: endpoint, via: proxy, deadline: deadline)
            guard endpoint.secure else { return tunnel }
            // TLS over the tunnel's socket, which the TLS channel takes over.
            let duplicate = dup(fd)
            guard duplicate >= 0 else { throw socketError(errno, "cannot take over the tunnel to \(endpoint)") }
            _ = fcntl(duplicate, F_SETFD, FD_CLOEXEC)
            return try await secure(duplicate, endpoint: endpoint, tls: tls, deadline: deadline)
        }
        let addresses = try await Resolver.resolve(endpoint.host, port: endpoint.port, deadline: deadline)
        fd = try await connect(to: addresses, endpoint: endpoint, deadline: deadline)
        guard endpoint.secure else { return PlainChannel(fd: fd) }
        return try await secure(fd, endpoint: endpoint, tls: tls, deadline: deadline)
    }

    /// TLS on a connected socket (which the channel then owns).
    private nonisolated(nonsending) static func secure(
        _ fd: Int32, endpoint: Endpoint, tls: TLSOptions, deadline: Deadline
    ) async throws(NetworkError) -> any ByteChannel {
        let context: TLSContext
        do {
            context = try TLSContext.client(tls)
        } catch {
            Foundation.close(fd)
            throw error
        }
        let channel = try TLSChannel(fd: fd, host: endpoint.host, context: context, verify: tls.verify)
        try await channel.handshake(deadline: deadline)
        return channel
    }
    /// A connected non-blocking socket to the first address that accepts.
    private nonisolated(nonsending) static func connect(
        to addresses: [SocketAddress], endpoint: Endpoint, deadline: Deadline
    ) async throws(NetworkError) -> Int32 {
        var failure = NetworkError(.hostNotFound, "no address for \(endpoint.host)")
        for var address in addresses {
            let fd = socket(address.family, address.type, address.proto)
            guard fd >= 0 else {
                failure = socketError(errno, "cannot create a socket")
                continue
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            // Requests are written whole; Nagle would only hold back their last segment.
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let started = withUnsafePointer(to: &address.storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, address.length) }
            }
            var code: Int32 = started == 0 ? 0 : errno
            if code == EINPROGRESS || code == EINTR {
                switch await PollLoop.shared.wait(for: .write, on: fd, until: deadline.forWait()) {
                case .ready:
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
                case .timedOut:
                    Foundation.close(fd)
                    throw NetworkError(.timedOut, "connecting to \(endpoint) timed out")
                case .cancelled:
                    Foundation.close(fd)
                    throw NetworkError(.cancelled, "cancelled")
                }
            }
            if code == 0 { return fd }
            Foundation.close(fd)
            failure = socketError(code, "cannot connect to \(endpoint)")
        }
        throw failure
    }
}
