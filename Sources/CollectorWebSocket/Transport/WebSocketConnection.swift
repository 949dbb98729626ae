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

    struct Endpoint: Sendable {
        var secure: Bool
        var host: String
        var port: Int
        var path: String

        init?(_ url: URL) {
            guard let scheme = url.scheme?.lowercased(), scheme == "ws" || scheme == "wss", let host = url.host else {
                return nil
            }
            secure = scheme == "wss"
            self.host = host
            port = url.port ?? (secure ? 443 : 80)
            var path = url.path.isEmpty ? "/" : url.path
            if let query = url.query { path += "?" + query }
            self.path = path
        }
    }

    private struct State {
        var sentClose = false
        var finished = false
    }

    let channel: any ByteChannel
    let events = Mailbox<Event>()
    private let state = Locked(State())

    private init(channel: any ByteChannel) { self.channel = channel }

    /// Connects, runs TLS and the opening handshake on a thread of its own
    /// (they block), then starts the reader thread.
    static func open(
        _ endpoint: Endpoint, headers: [String: String], timeout: Duration, caFile: String?, verify: Bool,
        maxMessageSize: Int
    ) async throws -> WebSocketConnection {
        try await withCheckedThrowingContinuation { continuation in
            // A thread of its own: blocking work must not hold Dispatch's shared workers.
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try blockingOpen(
                            endpoint, headers: headers, timeout: timeout, caFile: caFile, verify: verify,
                            maxMessageSize: maxMessageSize)
                    })
            }
            thread.name = "websocket-connect"
            thread.start()
        }
    }

    private static func blockingOpen(
        _ endpoint: Endpoint, headers: [String: String], timeout: Duration, caFile: String?, verify: Bool,
        maxMessageSize: Int
    ) throws(OpenError) -> WebSocketConnection {
        let channel: any ByteChannel
        do {
            let fd = try Sockets.connect(host: endpoint.host, port: endpoint.port, timeout: timeout)
            channel =
                endpoint.secure
                ? try TLSChannel(fd: fd, host: endpoint.host, caFile: caFile, verify: verify) : PlainChannel(fd: fd)
        } catch {
            throw .connect(error.message)
        }
        let key = Handshake.makeKey()
        let request = Handshake.request(
            host: endpoint.host, port: endpoint.port, defaultPort: endpoint.secure ? 443 : 80, path: endpoint.path,
            key: key, headers: headers)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        do {
            try channel.write(request)
        } catch {
            channel.close()
            throw .connect(error.message)
        }
        var headEnd: Int?
        while headEnd == nil {
            guard clock.now < deadline else {
                channel.close()
                throw .handshake("no handshake answer within \(timeout)")
            }
            switch buffer.withUnsafeMutableBytes({ channel.read(into: $0, timeoutMS: 100) }) {
            case .idle: continue
            case .end:
                channel.close()
                throw .handshake("the server closed the connection during the handshake")
            case .failed(let reason):
                channel.close()
                throw .handshake(reason)
            case .bytes(let n):
                received += buffer[0..<n]
                headEnd = received.firstRange(of: [13, 10, 13, 10])?.lowerBound
                if headEnd == nil, received.count > 64 << 10 {
                    channel.close()
                    throw .handshake("handshake answer over 64 KiB")
                }
            }
        }
        let head = Array(received[..<headEnd!])
        guard let response = Handshake.parse(head) else {
            channel.close()
            throw .handshake("not an HTTP answer")
        }
        if let problem = Handshake.problem(with: response, key: key) {
            channel.close()
            throw .handshake(problem)
        }
        let connection = WebSocketConnection(channel: channel)
        let leftover = Array(received[(headEnd! + 4)...])
        let thread = Thread { connection.readLoop(initial: leftover, maxMessageSize: maxMessageSize) }
        thread.name = "websocket-reader"
        thread.start()
        return connection
    }

    func send(text: String) throws(ChannelError) {
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
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: grace)
            while clock.now < deadline, !state.withLock({ $0.finished }) {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        channel.close()
    }

    private func readLoop(initial: [UInt8], maxMessageSize: Int) {
        var decoder = FrameDecoder(maxMessageSize: maxMessageSize)
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        if !initial.isEmpty, handle(decoder.feed(initial[...])) { return }
        while true {
            let outcome = buffer.withUnsafeMutableBytes { channel.read(into: $0, timeoutMS: 100) }
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
