#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One client connection, served on a thread of its own until it closes:
/// requests in turn (kept alive unless the client or an error says otherwise).
///
/// Each request must arrive in full within `readTimeout` of the server
/// starting to wait for it, however slowly its bytes trickle in, and its head
/// must fit in `maxRequestBytes`; an idle kept-alive connection is closed
/// after the same time. So a slow or silent client holds only its own thread,
/// and while it waits for a request, `slots` may give its place to a new
/// client (ending this connection). The caller closes `fd` once `serve` returns.
struct Connection: Sendable {
    let fd: Int32
    let wake: WakeSignal
    let endpoints: Endpoints
    let configuration: MetricsServer.Configuration
    let slots: ConnectionSlots
    let slot: UInt64

    func serve() {
        var buffer: [UInt8] = []
        while true {
            guard slots.setWaiting(slot, true) else { return }
            let deadline = ContinuousClock.now.advanced(by: configuration.readTimeout)
            var end = Self.endOfHead(in: buffer)
            while end == nil {
                if buffer.count >= configuration.maxRequestBytes {
                    finish(with: HTTPResponse(431, "request too large\n"))
                    return
                }
                switch Socket.wait(fd, wake: wake.readEnd, milliseconds: Socket.milliseconds(until: deadline)) {
                case .woken:
                    return
                case .timedOut:
                    // Idle between requests is a normal end; half a request is not.
                    if !buffer.isEmpty { finish(with: HTTPResponse(408, "request timeout\n")) }
                    return
                case .readable:
                    guard let bytes = Socket.receive(fd, upTo: 4096) else { continue }
                    if bytes.isEmpty { return }
                    buffer += bytes
                    end = Self.endOfHead(in: buffer)
                }
            }
            guard let end, end + 4 <= configuration.maxRequestBytes else {
                finish(with: HTTPResponse(431, "request too large\n"))
                return
            }
            let head = buffer[..<end]
            let request: HTTPRequestHead
            do {
                request = try HTTPRequestHead.parse(head)
            } catch {
                switch error {
                case .badRequest(let why): finish(with: HTTPResponse(400, "bad request: \(why)\n"))
                case .versionNotSupported: finish(with: HTTPResponse(505, "only HTTP/1.0 and HTTP/1.1 are served\n"))
                }
                return
            }
            buffer.removeFirst(end + 4)
            // Answering: its place is no longer one a new client may take.
            guard slots.setWaiting(slot, false) else { return }
            let response =
                endpoints.immediateResponse(to: request)
                ?? waitForTask(timeout: configuration.responseTimeout) { [endpoints] in await endpoints.response(to: request) }
                ?? HTTPResponse(503, "the response took too long\n")
            // A body is not read, so the connection cannot go on after it.
            let keepAlive = request.keepAlive && !request.hasBody
            guard send(response, keepAlive: keepAlive, includeBody: request.method != "HEAD") else { return }
            if !keepAlive {
                linger()
                return
            }
        }
    }

    private func send(_ response: HTTPResponse, keepAlive: Bool, includeBody: Bool) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: configuration.readTimeout)
        return Socket.sendAll(
            fd, response.serialized(keepAlive: keepAlive, includeBody: includeBody), wake: wake.readEnd, deadline: deadline)
    }

    /// Answers and ends the connection.
    private func finish(with response: HTTPResponse) {
        if send(response, keepAlive: false, includeBody: true) { linger() }
    }

    /// Closing with unread bytes from the client would reset the connection and
    /// could lose the response on its way; so the server stops sending, then
    /// reads and drops what still comes, briefly and within a bound.
    private func linger() {
        shutdown(fd, Int32(SHUT_WR))
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(500))
        var drained = 0
        while drained < 65_536 {
            guard case .readable = Socket.wait(fd, wake: wake.readEnd, milliseconds: Socket.milliseconds(until: deadline))
            else { return }
            guard let bytes = Socket.receive(fd, upTo: 4096) else { continue }
            if bytes.isEmpty { return }
            drained += bytes.count
        }
    }

    /// Where the blank line that ends the head begins.
    static func endOfHead(in buffer: [UInt8]) -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4)
        where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }
}
