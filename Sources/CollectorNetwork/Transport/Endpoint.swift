/// Where to connect: host, port, and whether TLS runs over the connection.
package struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    package var secure: Bool
    /// A name or an address; IPv6 without brackets.
    package var host: String
    package var port: Int

    package init(secure: Bool, host: String, port: Int? = nil) {
        self.secure = secure
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port ?? (secure ? 443 : 80)
    }

    /// `host:port` as a `Host` header says it: the port only when not the default, IPv6 in brackets.
    package var authority: String {
        let name = host.utf8.contains(0x3A) ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }

    package var description: String { (host.utf8.contains(0x3A) ? "[\(host)]" : host) + ":\(port)" }
}
