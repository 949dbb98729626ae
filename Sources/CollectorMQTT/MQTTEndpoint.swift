import Foundation

/// Where a broker is: `mqtt://host:1883` or `mqtts://host:8883` (TLS),
/// with an optional `user:password@` that the options may override.
public struct MQTTEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: Bool
    public var username: String?
    public var password: String?

    public init(host: String, port: Int, tls: Bool, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.username = username
        self.password = password
    }

    /// Reads an `mqtt://` or `mqtts://` URL; nil when it is neither or has no host.
    /// A path or query would be ignored by a broker, so they are refused too.
    public init?(url text: String) {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
            scheme == "mqtt" || scheme == "mqtts", let host = parts.host, !host.isEmpty,
            parts.path.isEmpty || parts.path == "/", parts.query == nil, parts.fragment == nil
        else { return nil }
        let tls = scheme == "mqtts"
        let port = parts.port ?? (tls ? 8883 : 1883)
        guard (1...65535).contains(port) else { return nil }
        // A bracketed IPv6 literal arrives with its brackets on some platforms.
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.init(
            host: bare, port: port, tls: tls, username: parts.user?.removingPercentEncoding ?? parts.user,
            password: parts.password?.removingPercentEncoding ?? parts.password)
    }

    /// The URL without credentials, for messages and metadata.
    public var description: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return "\(tls ? "mqtts" : "mqtt")://\(shown):\(port)"
    }
}
