import Foundation

/// One HTTP/1.1 connection: a request at a time, its response read through
/// a buffer. It can carry the next request when the last response was
/// read to its end on a connection the server keeps open.
///
/// Not `Sendable`: one task uses it at a time (the client that checked it
/// out, or the stream that reads a body). `close()` is the exception any
/// holder may call while another waits: it only shuts the socket down.
package final class HTTPConnection {
    package let endpoint: Endpoint
    package let channel: any ByteChannel
    /// Unread bytes are `buffer[start..<end]`.
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var framing = HTTPBodyFraming.none
    private var keepAlive = false
    /// Requests this connection has carried, the one in flight included.
    package private(set) var requests = 0
    /// Bytes of the current request's response received so far.
    package private(set) var received = 0
    /// Bytes of the current request the socket accepted so far.
    package private(set) var sent = 0
    /// The last response was read to its end and the server keeps the connection open.
    package private(set) var isReusable = false
    /// The proxy requests go to in absolute form (plain `http://` through a proxy).
    package let forwardProxy: ProxyServer?

    private static let bufferSize = 16 << 10
    private static let maxHead = 64 << 10

    package init(endpoint: Endpoint, channel: any ByteChannel, forwardProxy: ProxyServer? = nil) {
        self.endpoint = endpoint
        self.channel = channel
        self.forwardProxy = forwardProxy
        buffer = [UInt8](repeating: 0, count: Self.bufferSize)
    }

    /// A connection to `endpoint`, through the proxy `proxy` picks for it:
    /// plain HTTP forwarded in absolute form (`use: .forward`), anything
    /// else through a `CONNECT` tunnel.
    package nonisolated(nonsending) static func open(
        _ endpoint: Endpoint, tls: TLSOptions, proxy: ProxySettings = .direct, use: Connector.ProxyUse = .forward,
        deadline: Deadline
    ) async throws(NetworkError) -> HTTPConnection {
        let server = try proxy.server(for: endpoint)
        let channel = try await Connector.open(endpoint, tls: tls, deadline: deadline, via: server, use: use)
        let forward = server != nil && !endpoint.secure && use == .forward ? server : nil
        return HTTPConnection(endpoint: endpoint, channel: channel, forwardProxy: forward)
    }

    /// Whether an idle connection can no longer carry a request: the server
    /// closed it, reset it, or sent something nobody asked for. Costs one
    /// `poll` that does not wait (and a read when the socket has something).
    package func isStale() -> Bool {
        if start < end || channel.hasBufferedInput { return true }
        var pfd = pollfd(fd: channel.fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 0) > 0 else { return false }
        // Readable: the end, a reset, stray bytes, or (TLS 1.3) a session
        // ticket, which OpenSSL takes in without giving the reader any byte.
        let step = buffer.withUnsafeMutableBytes { channel.receive(into: $0) }
        if case .wouldBlock = step { return false }
        return true
    }

    /// Sends `request` and reads its response's head (skipping 1xx interim
    /// answers, but not 101). The body, if any, is read by `readBody`.
    package nonisolated(nonsending) func exchange(
        _ request: HTTPRequest, deadline: Deadline
    ) async throws(NetworkError) -> HTTPHead {
        try await send(request, deadline: deadline)
        return try await readHead(for: request, deadline: deadline)
    }

    package nonisolated(nonsending) func send(_ request: HTTPRequest, deadline: Deadline) async throws(NetworkError) {
        requests += 1
        received = 0
        sent = 0
        isReusable = false
        let bytes = try request.serialized(via: forwardProxy)
        while sent < bytes.count {
            let offset = sent
            sent += try await channel.perform(
                { bytes.withUnsafeBytes { channel.send(UnsafeRawBufferPointer(rebasing: $0[offset...])) } },
                deadline: deadline)
        }
    }

    package nonisolated(nonsending) func readHead(
        for request: HTTPRequest, deadline: Deadline
    ) async throws(NetworkError) -> HTTPHead {
        while true {
            let head = try await nextHead(deadline: deadline)
            if (100...199).contains(head.status), head.status != 101 { continue }
            framing = try HTTPBodyFraming(head: head, requestMethod: request.method)
            keepAlive = head.keepsAlive && !request.headers.has(token: "close", in: "Connection")
            if case .untilClose = framing { keepAlive = false }
            if case .none = framing { finishBody() }
            return head
        }
    }

    private nonisolated(nonsending) func nextHead(deadline: Deadline) async throws(NetworkError) -> HTTPHead {
        // Bytes after `start` already searched (the buffer may move when it fills).
        var searched = 0
        while true {
            if let blank = Self.endOfHead(in: buffer, from: start + max(0, searched - 3), to: end) {
                let head = HTTPHead.parse(buffer[start..<blank.lowerBound])
                start = blank.upperBound
                guard let head else { throw NetworkError(.badResponse, "\(endpoint) did not answer with HTTP/1.x") }
                return head
            }
            searched = end - start
            guard end - start < Self.maxHead else {
                throw NetworkError(.badResponse, "\(endpoint) sent a response head over \(Self.maxHead >> 10) KiB")
            }
            guard try await fill(deadline: deadline) else {
                throw received == 0
                    ? NetworkError(.connectionLost, "\(endpoint) closed the connection without answering")
                    : NetworkError(.badResponse, "\(endpoint) closed the connection in the middle of a response head")
            }
        }
    }

    /// The blank line that ends a head: CRLF CRLF, or bare LFs.
    private static func endOfHead(in bytes: [UInt8], from: Int, to: Int) -> Range<Int>? {
        var index = from
        while index < to {
            if bytes[index] == 0x0A {
                if index + 1 < to, bytes[index + 1] == 0x0A { return (index + 1)..<(index + 2) }
                if index + 2 < to, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return (index + 1)..<(index + 3) }
            }
            index += 1
        }
        return nil
    }

    /// The body's length when the head announced one.
    package var announcedLength: Int? {
        if case .length(let length) = framing { return length }
        return nil
    }

    /// Appends the next piece of the body to `body`; `false` once the body
    /// has ended (what came with that last call is appended too).
    package nonisolated(nonsending) func readBody(
        into body: inout [UInt8], deadline: Deadline
    ) async throws(NetworkError) -> Bool {
        if case .none = framing { return false }
        if start == end {
            let more = try await fill(deadline: deadline)
            if !more {
                if case .untilClose = framing {
                    framing = .none
                    return false
                }
                throw NetworkError(.bodyCutOff, "\(endpoint) closed the connection before the end of the body")
            }
        }
        switch framing {
        case .none:
            return false
        case .length(let left):
            let take = min(left, end - start)
            body.append(contentsOf: buffer[start..<(start + take)])
            start += take
            framing = .length(left - take)
            if take == left { finishBody() }
        case .chunked(var decoder):
            let used = buffer.withUnsafeBytes { bytes in
                Result { () throws(NetworkError) in
                    try decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: &body)
                }
            }
            start += try used.get()
            framing = .chunked(decoder)
            if decoder.isDone { finishBody() }
        case .untilClose:
            body.append(contentsOf: buffer[start..<end])
            start = end
        }
        if case .none = framing { return false }
        return true
    }

    private func finishBody() {
        framing = .none
        // Bytes beyond the response: the connection is out of step with the server.
        isReusable = keepAlive && start == end
    }

    /// Reads what the socket has into the buffer; `false` at the end of the stream.
    private nonisolated(nonsending) func fill(deadline: Deadline) async throws(NetworkError) -> Bool {
        if start == end {
            start = 0
            end = 0
        } else if end == buffer.count {
            if start > 0 {
                buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
                end -= start
                start = 0
            } else {
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
        }
        let offset = end
        let count = try await channel.perform(
            { buffer.withUnsafeMutableBytes { channel.receive(into: UnsafeMutableRawBufferPointer(rebasing: $0[offset...])) } },
            deadline: deadline)
        end += count
        received += count
        return count > 0
    }

    /// Hands the channel over, with the bytes read past the response head
    /// (after a protocol upgrade: they belong to the new protocol).
    package func detach() -> (channel: any ByteChannel, leftover: [UInt8]) {
        let leftover = Array(buffer[start..<end])
        start = end
        isReusable = false
        return (channel, leftover)
    }

    package func close() { channel.close() }
}
