import COpenSSL
import Foundation

/// The opening handshake of RFC 6455 §4: the client's upgrade request and
/// the checks on the server's answer, `Sec-WebSocket-Accept` included.
enum Handshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// A fresh `Sec-WebSocket-Key`: 16 random bytes, base64.
    static func makeKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
    }

    /// The accept value a server must answer to `key`: base64(SHA-1(key + GUID)).
    static func accept(for key: String) -> String {
        let input = Array((key + guid).utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        _ = SHA1(input, input.count, &digest)
        return Data(digest).base64EncodedString()
    }

    static func request(host: String, port: Int, defaultPort: Int, path: String, key: String, headers: [String: String])
        -> [UInt8]
    {
        var text = "GET \(path) HTTP/1.1\r\n"
        text += "Host: \(port == defaultPort ? host : "\(host):\(port)")\r\n"
        text += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        text += "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    struct Response {
        var status: Int
        var headers: [String: String]
    }

    /// Parses the response head (without its final blank line).
    static func parse(_ head: [UInt8]) -> Response? {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        guard !lines.isEmpty else { return nil }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headers)
    }

    /// Why the answer is not a valid upgrade for `key`, or `nil` when it is.
    static func problem(with response: Response, key: String) -> String? {
        guard response.status == 101 else { return "the server answered HTTP \(response.status), not 101" }
        guard response.headers["upgrade"]?.lowercased() == "websocket" else { return "no 'Upgrade: websocket' header" }
        let connection = response.headers["connection"]?.lowercased() ?? ""
        guard connection.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "upgrade" })
        else { return "no 'Connection: Upgrade' header" }
        guard response.headers["sec-websocket-accept"] == accept(for: key) else {
            return "wrong Sec-WebSocket-Accept '\(response.headers["sec-websocket-accept"] ?? "")'"
        }
        return nil
    }
}
