import Foundation

/// A raw HTTP/1.1 client over a loopback socket, for saying exactly what the
/// server is sent (malformed requests included) and reading exactly what
/// comes back. Blocking: use it inside `onThread`. Every wait is bounded.
///
/// `@unchecked Sendable`: a test hands a client from thread to thread but
/// never uses one from two threads at once.
final class HTTPTestClient: @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// How long any one wait for the server may take before the test fails (not a measurement).
    static let patience: Duration = .seconds(20)

    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "connect to \(host):\(port): \(reason)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// A GET (or another method) with the headers a well-behaved client sends.
    func request(_ path: String, method: String = "GET", headers: [String] = []) throws -> Response {
        try send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n")
        return try readResponse(bodyless: method == "HEAD")
    }

    /// The next response; its body by `Content-Length` (none for `HEAD`).
    func readResponse(bodyless: Bool = false) throws -> Response {
        let deadline = ContinuousClock.now.advanced(by: Self.patience)
        var end: Int?
        while true {
            end = Self.find([13, 10, 13, 10], in: buffer)
            if end != nil { break }
            guard try fill(before: deadline) else { throw Failure(description: "the connection closed before a response") }
        }
        let head = String(decoding: buffer[..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw Failure(description: "malformed status line in \(head)")
        }
        var headers: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        if !bodyless, headers["transfer-encoding"]?.lowercased() == "chunked" {
            return Response(status: status, headers: headers, body: try readChunkedBody(before: deadline))
        }
        let length = bodyless ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length {
            guard try fill(before: deadline) else { throw Failure(description: "the connection closed inside a body") }
        }
        let body = String(decoding: buffer.prefix(length), as: UTF8.self)
        buffer.removeFirst(length)
        return Response(status: status, headers: headers, body: body)
    }

    /// A chunked body (as other servers send it): size lines in hex, data, up to the zero-size chunk.
    private func readChunkedBody(before deadline: ContinuousClock.Instant) throws -> String {
        var body: [UInt8] = []
        while true {
            var lineEnd = Self.find([13, 10], in: buffer)
            while lineEnd == nil {
                guard try fill(before: deadline) else { throw Failure(description: "the connection closed inside a chunk") }
                lineEnd = Self.find([13, 10], in: buffer)
            }
            let sizeText = String(decoding: buffer[..<lineEnd!], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw Failure(description: "malformed chunk size '\(sizeText)'")
            }
            buffer.removeFirst(lineEnd! + 2)
            while buffer.count < size + 2 {
                guard try fill(before: deadline) else { throw Failure(description: "the connection closed inside a chunk") }
            }
            body += buffer.prefix(size)
            buffer.removeFirst(size + 2)
            if size == 0 { return String(decoding: body, as: UTF8.self) }
        }
    }

    /// Whether the server closed the connection (rather than leaving it open) with nothing more sent.
    func closedByServer() throws -> Bool {
        guard buffer.isEmpty else { return false }
        return try !fill(before: ContinuousClock.now.advanced(by: Self.patience))
    }

    /// Reads more; `false` at the end of the stream.
    private func fill(before deadline: ContinuousClock.Instant) throws -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let left = ContinuousClock.now.duration(to: deadline)
        let ms = Int32(max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
        guard poll(&pfd, 1, ms) > 0 else { throw Failure(description: "no answer from the server in \(Self.patience)") }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { return false }
        buffer += chunk.prefix(n)
        return true
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
