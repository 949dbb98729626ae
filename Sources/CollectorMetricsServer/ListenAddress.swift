/// Where the metrics server listens: a host (name or numeric address) and a port.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Loopback: metrics are not exposed beyond the machine unless asked for.
    public static let defaultHost = "127.0.0.1"
    /// The port commonly used for a collector's metrics.
    public static let defaultPort = 9464

    public var host: String
    /// 0 lets the system pick a free port (see `MetricsServer.port`).
    public var port: Int

    public init(host: String = ListenAddress.defaultHost, port: Int = ListenAddress.defaultPort) {
        self.host = host
        self.port = port
    }

    /// Reads `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or `PORT`; without a host it is loopback
    /// (`0.0.0.0:PORT` or `[::]:PORT` listen on every interface).
    /// - Throws: `.invalidAddress` with what is wrong.
    public init(parsing text: String) throws(MetricsServerError) {
        let invalid = { (why: String) in
            MetricsServerError(.invalidAddress, "invalid metrics address '\(text)': \(why)")
        }
        var host = ListenAddress.defaultHost
        var portText = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw invalid("expected [IPv6]:PORT")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            guard text.firstIndex(of: ":") == colon else { throw invalid("write an IPv6 address in brackets, [::1]:PORT") }
            if colon != text.startIndex { host = String(text[..<colon]) }
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { throw invalid("no host") }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber), let port = Int(portText),
            (0...65535).contains(port)
        else { throw invalid("the port must be a number from 0 to 65535") }
        self.init(host: host, port: port)
    }

    /// `HOST:PORT`, with an IPv6 host in brackets.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
