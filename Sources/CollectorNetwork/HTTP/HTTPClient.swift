import Foundation

/// A lean HTTP/1.1 client over this package's own sockets: keeps its
/// connections open between requests (one per origin, as many as run at
/// once), follows redirects, bounds every wait.
///
/// - Reuse: an idle connection is checked before it carries a request
///   (a server may have closed it meanwhile); one found closed is replaced
///   at no cost. When a reused connection fails before any answer, the
///   request is sent again on a new connection only if that cannot do
///   harm: it is idempotent (GET, HEAD, PUT…) or nothing of it was sent.
///   A POST that may have reached the server is never sent twice.
/// - Timeouts: connecting (DNS, TCP, TLS) within `connectTimeout`; each
///   wait for the server within `timeout`; the whole exchange within
///   `totalTimeout`.
///
/// Not `Sendable`: it belongs to one source and runs in that source's
/// isolation (its methods are `nonisolated(nonsending)`), so nothing hops
/// between executors per request.
package final class HTTPClient {
    package struct Options: Sendable {
        package var connectTimeout: Duration
        /// The longest wait for the server (to write, or to read the next bytes).
        package var timeout: Duration
        /// The whole exchange, redirects included (`nil`: no bound, for streams).
        package var totalTimeout: Duration?
        package var tls: TLSOptions
        package var maxRedirects: Int
        /// Idle connections kept for later requests.
        package var maxIdleConnections: Int
        /// Which proxy connections go through (by default, as the environment says).
        package var proxy: ProxySettings

        package init(
            connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(30),
            totalTimeout: Duration? = .seconds(120), tls: TLSOptions = TLSOptions(), maxRedirects: Int = 20,
            maxIdleConnections: Int = 4, proxy: ProxySettings = .environment()
        ) {
            self.proxy = proxy
            self.connectTimeout = connectTimeout
            self.timeout = timeout
            self.totalTimeout = totalTimeout
            self.tls = tls
            self.maxRedirects = maxRedirects
            self.maxIdleConnections = maxIdleConnections
        }
    }

    package let options: Options
    private var idle: [HTTPConnection] = []
    /// Connections carrying a request now, so that `close()` reaches them.
    private var busy: [ObjectIdentifier: HTTPConnection] = [:]
    /// Bumped by `close()`: an exchange that began before must not reconnect.
    private var generation = 0
    /// Connections opened so far.
    package private(set) var connectionsOpened = 0

    /// The largest redirect body read so the connection can be reused; a larger one closes it.
    private static let maxDrainedBody = 64 << 10

    package init(options: Options = Options()) { self.options = options }

    /// Sends `request` and reads the whole response, with at most
    /// `maxBodySize` body bytes (a longer body is cut off and is an error).
    package nonisolated(nonsending) func send(
        _ request: HTTPRequest, maxBodySize: Int
    ) async throws(NetworkError) -> HTTPResponse {
        let stream = try await open(request)
        let connection = stream.connection
        busy[ObjectIdentifier(connection)] = connection
        defer { busy[ObjectIdentifier(connection)] = nil }
        let body = try await stream.readAll(limit: maxBodySize)
        checkIn(connection)
        return HTTPResponse(status: stream.head.status, headers: stream.head.headers, body: body, url: stream.url)
    }

    /// Sends `request` and reads the response's head, following redirects;
    /// the body is the caller's to read, and its connection is not reused.
    package nonisolated(nonsending) func open(_ request: HTTPRequest) async throws(NetworkError) -> HTTPResponseStream {
        let deadline = Deadline(idle: options.timeout, end: options.totalTimeout.map { ContinuousClock.now.advanced(by: $0) })
        var request = request
        var redirects = 0
        while true {
            let (connection, head) = try await exchange(request, deadline: deadline)
            guard let next = HTTPRedirect.next(after: head, to: request) else {
                return HTTPResponseStream(head: head, url: request.url, connection: connection, deadline: deadline)
            }
            redirects += 1
            guard redirects <= options.maxRedirects else {
                connection.close()
                throw NetworkError(.tooManyRedirects, "more than \(options.maxRedirects) redirects from \(request.url.redactedForDisplay)")
            }
            await drain(connection, deadline: deadline)
            request = next
        }
    }

    /// Shuts every connection down, busy ones included (their requests fail).
    package func close() {
        generation += 1
        for connection in idle { connection.close() }
        idle.removeAll()
        for connection in busy.values { connection.close() }
    }

    /// `request` on a reused connection if one is idle and sound, else on a new one.
    private nonisolated(nonsending) func exchange(
        _ request: HTTPRequest, deadline: Deadline
    ) async throws(NetworkError) -> (HTTPConnection, HTTPHead) {
        let started = generation
        if let reused = checkOut(request.endpoint) {
            do {
                return (reused, try await exchange(request, on: reused, deadline: deadline))
            } catch {
                // The server closed the connection as the request went out, and answered nothing.
                let resendable = request.isIdempotent || reused.sent == 0
                guard error.kind == .connectionLost, reused.received == 0, resendable, started == generation else { throw error }
            }
        }
        let connection = try await HTTPConnection.open(
            request.endpoint, tls: options.tls, proxy: options.proxy, deadline: deadline.capped(at: options.connectTimeout))
        connectionsOpened += 1
        guard started == generation else {
            connection.close()
            throw NetworkError(.cancelled, "the client was closed")
        }
        return (connection, try await exchange(request, on: connection, deadline: deadline))
    }

    /// `request` on `connection`, which `close()` can reach meanwhile; closed if it fails.
    private nonisolated(nonsending) func exchange(
        _ request: HTTPRequest, on connection: HTTPConnection, deadline: Deadline
    ) async throws(NetworkError) -> HTTPHead {
        busy[ObjectIdentifier(connection)] = connection
        defer { busy[ObjectIdentifier(connection)] = nil }
        do {
            return try await connection.exchange(request, deadline: deadline)
        } catch {
            connection.close()
            throw error
        }
    }

    private func checkOut(_ endpoint: Endpoint) -> HTTPConnection? {
        while let index = idle.lastIndex(where: { $0.endpoint == endpoint }) {
            let connection = idle.remove(at: index)
            if !connection.isStale() { return connection }
            connection.close()
        }
        return nil
    }

    private func checkIn(_ connection: HTTPConnection) {
        guard connection.isReusable else {
            connection.close()
            return
        }
        idle.append(connection)
        if idle.count > options.maxIdleConnections { idle.removeFirst().close() }
    }

    /// Reads a redirect's body away so its connection can serve the next request.
    private nonisolated(nonsending) func drain(_ connection: HTTPConnection, deadline: Deadline) async {
        var discarded: [UInt8] = []
        do {
            while try await connection.readBody(into: &discarded, deadline: deadline) {
                if discarded.count > Self.maxDrainedBody { break }
                discarded.removeAll(keepingCapacity: true)
            }
        } catch {}
        checkIn(connection)
    }
}
