import COpenSSL
import CollectorNetwork
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

    /// The upgrade request for `endpoint` and `path`, as an HTTP/1.1 GET.
    static func request(
        endpoint: Endpoint, path: String, key: String, headers: [String: String]
    ) throws(NetworkError) -> HTTPRequest {
        // The HTTP client's request speaks http(s); the upgrade is the same request.
        guard let url = URL(string: "\(endpoint.secure ? "https" : "http")://\(endpoint.authority)\(path)") else {
            throw NetworkError(.invalidRequest, "cannot make an upgrade request for \(endpoint)\(path)")
        }
        var fields = HTTPHeaders([
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key),
            ("Sec-WebSocket-Version", "13"),
        ])
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.set(name, value) }
        return try HTTPRequest(url: url, headers: fields)
    }

    /// Why the answer is not a valid upgrade for `key`, or `nil` when it is.
    static func problem(with head: HTTPHead, key: String) -> String? {
        guard head.status == 101 else { return "the server answered HTTP \(head.status), not 101" }
        guard head.headers["Upgrade"]?.lowercased() == "websocket" else { return "no 'Upgrade: websocket' header" }
        guard head.headers.has(token: "upgrade", in: "Connection") else { return "no 'Connection: Upgrade' header" }
        guard head.headers["Sec-WebSocket-Accept"] == accept(for: key) else {
            return "wrong Sec-WebSocket-Accept '\(head.headers["Sec-WebSocket-Accept"] ?? "")'"
        }
        return nil
    }
}
