import Foundation

/// An HTTP/1.1 request to an `http://` or `https://` URL.
package struct HTTPRequest: Sendable {
    package var method: String
    package let url: URL
    package var headers: HTTPHeaders
    package var body: [UInt8]?
    /// Where it goes: from the URL's scheme, host and port.
    package let endpoint: Endpoint
    /// The request target: the URL's path and query, percent-encoded as given.
    package let target: String

    package init(
        method: String = "GET", url: URL, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]? = nil
    ) throws(NetworkError) {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else {
            throw NetworkError(.invalidRequest, "'\(url.absoluteString)' is not an http:// or https:// URL with a host")
        }
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        endpoint = Endpoint(secure: scheme == "https", host: host, port: components.port)
        let path = components.percentEncodedPath
        target = (path.isEmpty ? "/" : path) + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
    }

    /// Safe to send twice (RFC 9110 §9.2.2): the client may resend it on a
    /// new connection when a reused one turned out to be closed.
    package var isIdempotent: Bool {
        ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"].contains(method)
    }

    package var expectsNoBody: Bool { method == "HEAD" }

    /// The bytes on the wire: request line, `Host`, the caller's headers
    /// (framing headers are the client's own), defaults, then the body.
    /// Through a forwarding `proxy` (plain `http://`), the request line has
    /// the absolute URL, and the proxy's credentials go along.
    package func serialized(via proxy: ProxyServer? = nil) throws(NetworkError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + (body?.count ?? 0))
        func line(_ parts: String...) {
            for part in parts { out.append(contentsOf: part.utf8) }
            out.append(contentsOf: [0x0D, 0x0A])
        }
        if let proxy {
            line(method, " http://", endpoint.authority, target, " HTTP/1.1")
            if let authorization = proxy.authorization { line("Proxy-Authorization: ", authorization) }
        } else {
            line(method, " ", target, " HTTP/1.1")
        }
        if !headers.contains("Host") { line("Host: ", endpoint.authority) }
        for (name, value) in headers {
            guard Self.isToken(name), !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw NetworkError(.invalidRequest, "header '\(name)' has a name or value HTTP cannot carry")
            }
            if HTTPHeaders.same(name, "Content-Length") || HTTPHeaders.same(name, "Transfer-Encoding") { continue }
            line(name, ": ", value)
        }
        if let body {
            line("Content-Length: ", String(body.count))
        } else if method == "POST" || method == "PUT" {
            line("Content-Length: 0")
        }
        if !headers.contains("User-Agent") { line("User-Agent: DataCollector") }
        if !headers.contains("Accept") { line("Accept: */*") }
        out.append(contentsOf: [0x0D, 0x0A])
        if let body { out.append(contentsOf: body) }
        return out
    }

    /// A header name: visible ASCII without separators (RFC 9110 §5.6.2).
    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                byte > 0x20 && byte < 0x7F && !"\"(),/:;<=>?@[\\]{}".utf8.contains(byte)
            }
    }
}
