import CollectorNetwork
import Collectors
import Foundation

/// One open WebSocket connection: the handshake done, a reader thread
/// decoding frames into `events`, answering pings and the close handshake.
final class WebSocketConnection: Sendable {
    enum Event: Sendable {
        case message(isText: Bool, bytes: [UInt8])
        /// The server closed (its code and reason); the close handshake was answered.
        case closed(code: UInt16?, reason: String)
        /// The connection failed: a protocol violation (`closeCode` sent) or a drop.
        case failed(reason: String, closeCode: UInt16?, midFrame: Bool)
    }

    /// Why `open` failed.
    enum OpenError: Error {
        case connect(String)
        case handshake(String)
    }

    /// Where a `ws://` or `wss://` URL points.
    struct Target: Sendable {
        var endpoint: Endpoint
        /// Path and query.
        var path: String

        init?(_ url: URL) {
            guard let scheme = url.scheme?.lowercased(), scheme == "ws" || scheme == "wss", let host = url.host else {
                return nil
            }
            endpoint = Endpoint(secure: scheme == "wss", host: host, port: url.port)
            let components = URLComponents(url: url, resolvingAgainstBaseURL: true)
            let path = components?.percentEncodedPath ?? ""
            self.path = (path.isEmpty ? "/" : path) + (components?.percentEncodedQuery.map { "?\($0)" } ?? "")
        }
    }

    private struct State {
        var sentClose = false
        var finished = false
    }

    let channel: any ByteChannel
    let events = Mailbox<Event>()
    private let state = Locked(State())
    /// Set when the reader thread has stopped: the socket is done with.
    private let readerEnded = OneShot<Void>()

    private init(channel: any ByteChannel) { self.channel = channel }

    /// Connects (TCP, TLS for `wss://`), runs the opening handshake, then
    /// starts the reader thread. Waiting happens in the poll loop.
    static func open(
        _ target: Target, headers: [String: String], timeout: Duration, caFile: String?, verify: Bool,
        proxy: ProxyConfiguration, maxMessageSize: Int
    ) async throws(OpenError) -> WebSocketConnection {
        let deadline = Deadline.after(timeout)
        let http: HTTPConnection
        do {
            http = try await HTTPConnection.open(
                target.endpoint, tls: TLSOptions(caFile: caFile, verify: verify), proxy: ProxySettings(proxy), use: .tunnel,
                deadline: deadline)
        } catch {
            throw .connect(error.message)
        }
        let key = Handshake.makeKey()
        let head: HTTPHead
        do {
            let request = try Handshake.request(endpoint: target.endpoint, path: target.path, key: key, headers: headers)
            head = try await http.exchange(request, deadline: deadline)
        } catch {
            http.close()
            throw .handshake(error.kind == .timedOut ? "no handshake answer within \(timeout)" : error.message)
        }
        if let problem = Handshake.problem(with: head, key: key) {
            http.close()
            throw .handshake(problem)
        }
        // What came after the head is already the server's first frames.
        let (channel, leftover) = http.detach()
        let connection = WebSocketConnection(channel: channel)
        let thread = Thread { connection.readLoop(initial: leftover, maxMessageSize: maxMessageSize) }
        thread.name = "websocket-reader"
        thread.start()
        return connection
    }

    func send(text: String) throws(NetworkError) {
        try channel.write(FrameEncoder.frame(opcode: 0x1, Array(text.utf8)))
    }

    /// The client's close handshake: sends 1000, waits up to `grace` for the
    /// server's close, then closes the socket.
    func close(grace: Duration = .seconds(1)) async {
        let send = state.withLock { state -> Bool in
            defer { state.sentClose = true }
            return !state.sentClose && !state.finished
        }
        if send {
            try? channel.write(FrameEncoder.close(code: 1000))
            // The reader ends when the server's close arrives (or the socket drops).
            _ = await readerEnded.value(within: grace)
        }
        channel.close()
    }

    /// The reader thread: blocks in `poll` until bytes arrive or the socket
    /// is shut down (`close()`), with no timeout to look again.
    private func readLoop(initial: [UInt8], maxMessageSize: Int) {
        defer { readerEnded.set(()) }
        var decoder = FrameDecoder(maxMessageSize: maxMessageSize)
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        if !initial.isEmpty, handle(decoder.feed(initial[...])) { return }
        while true {
            let outcome = buffer.withUnsafeMutableBytes { channel.read(into: $0, timeoutMS: -1) }
            switch outcome {
            case .idle:
                if state.withLock({ $0.finished }) { return }
            case .bytes(let n):
                if handle(decoder.feed(buffer[0..<n])) { return }
            case .end, .failed:
                let expected = state.withLock { state -> Bool in
                    defer { state.finished = true }
                    return state.sentClose || state.finished
                }
                if !expected {
                    let midFrame = decoder.partialBytes > 0
                    var reason = "the server closed the TCP connection without a close frame"
                    if case .failed(let why) = outcome { reason = "read failed: \(why)" }
                    if midFrame { reason = "the server closed the TCP connection in the middle of a frame" }
                    events.push(.failed(reason: reason, closeCode: nil, midFrame: midFrame))
                }
                channel.close()
                return
            }
        }
    }

    /// Handles decoded frames; `true` when the connection is over.
    private func handle(_ outputs: [FrameDecoder.Output]) -> Bool {
        for output in outputs {
            switch output {
            case .text(let bytes): events.push(.message(isText: true, bytes: bytes))
            case .binary(let bytes): events.push(.message(isText: false, bytes: bytes))
            case .ping(let payload): try? channel.write(FrameEncoder.frame(opcode: 0xA, payload))
            case .pong: break
            case .close(let code, let reason):
                let answer = state.withLock { state -> Bool in
                    defer {
                        state.sentClose = true
                        state.finished = true
                    }
                    return !state.sentClose
                }
                if answer {
                    try? channel.write(code.map { FrameEncoder.close(code: $0) } ?? FrameEncoder.frame(opcode: 0x8, []))
                }
                events.push(.closed(code: code, reason: reason))
                channel.close()
                return true
            case .violation(let code, let reason):
                state.withLock {
                    $0.sentClose = true
                    $0.finished = true
                }
                try? channel.write(FrameEncoder.close(code: code))
                events.push(.failed(reason: reason, closeCode: code, midFrame: false))
                channel.close()
                return true
            }
        }
        return false
    }
}
