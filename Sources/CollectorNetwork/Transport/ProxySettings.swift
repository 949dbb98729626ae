import Collectors
import Foundation

/// Which proxy a connection goes through, decided as curl decides it.
///
/// - From the environment (`environment()`): `http_proxy` for `http://`
///   and `ws://`, `https_proxy` for `https://` and `wss://`, `all_proxy` for
///   either when that one is not set; each also in upper case (the lower-case
///   name wins). Loopback destinations (`localhost`, `127.0.0.0/8`, `::1`)
///   are never sent to a proxy from the environment, as Go's HTTP client
///   does: a proxy set for the machine must not take local traffic (a
///   metrics endpoint, a test server on 127.0.0.1).
/// - Given (`fixed(_:)`, a connector's `proxy` option): every destination,
///   loopback included.
/// - `no_proxy` (or `NO_PROXY`) applies to both: a list of host names
///   (matching the name and its subdomains; a leading dot is ignored), IP
///   addresses, CIDR ranges, each optionally with `:port`, or `*` for all.
/// - `direct`: no proxy, whatever the environment says (`proxy = false`).
package struct ProxySettings: Sendable, Hashable {
    /// For `http://` and `ws://`.
    package var http: ProxyServer?
    /// For `https://` and `wss://`.
    package var https: ProxyServer?
    package var noProxy: NoProxyList
    /// Loopback destinations go direct (proxies from the environment).
    package var bypassLoopback: Bool
    /// Why these settings cannot be used (a proxy variable that is not a
    /// proxy URL): every connection fails with it, rather than go direct.
    package var problem: String?

    package init(
        http: ProxyServer? = nil, https: ProxyServer? = nil, noProxy: NoProxyList = NoProxyList(""),
        bypassLoopback: Bool = false, problem: String? = nil
    ) {
        self.http = http
        self.https = https
        self.noProxy = noProxy
        self.bypassLoopback = bypassLoopback
        self.problem = problem
    }

    /// No proxy at all.
    package static let direct = ProxySettings()

    /// The proxies of the environment's variables (the process's, read when called).
    package static func environment(_ variables: [String: String] = ProcessInfo.processInfo.environment) -> ProxySettings {
        func value(_ name: String) -> (name: String, value: String)? {
            for key in [name, name.uppercased()] {
                if let text = variables[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty { return (key, text) }
            }
            return nil
        }
        var settings = ProxySettings(noProxy: NoProxyList(value("no_proxy")?.value ?? ""), bypassLoopback: true)
        let all = value("all_proxy")
        do {
            if let given = value("http_proxy") ?? all { settings.http = try ProxyServer(parsing: given.value, from: given.name) }
            if let given = value("https_proxy") ?? all { settings.https = try ProxyServer(parsing: given.value, from: given.name) }
        } catch {
            settings.problem = error.message
        }
        return settings
    }

    /// `url` for every destination, but those `no_proxy` in `variables` names.
    package static func fixed(
        _ url: String, environment variables: [String: String] = ProcessInfo.processInfo.environment
    ) throws(NetworkError) -> ProxySettings {
        let server = try ProxyServer(parsing: url, from: "proxy")
        let noProxy = variables["no_proxy"] ?? variables["NO_PROXY"] ?? ""
        return ProxySettings(http: server, https: server, noProxy: NoProxyList(noProxy), bypassLoopback: false)
    }

    /// The proxy for a connection to `endpoint`, or `nil` to connect directly.
    package func server(for endpoint: Endpoint) throws(NetworkError) -> ProxyServer? {
        if let problem { throw NetworkError(.invalidRequest, problem) }
        guard let server = endpoint.secure ? https : http else { return nil }
        if bypassLoopback, Self.isLoopback(endpoint.host) { return nil }
        if noProxy.matches(host: endpoint.host, port: endpoint.port) { return nil }
        return server
    }

    static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { $0.prefix(15).allSatisfy { $0 == 0 } && $0[15] == 1 }
        }
        return false
    }
}

extension ProxySettings {
    /// The settings a connector's configuration makes (the environment read now).
    package init(_ configuration: ProxyConfiguration) {
        switch configuration {
        case .environment:
            self = .environment()
        case .direct:
            self = .direct
        case .url(let url):
            do {
                self = try .fixed(url)
            } catch {
                self = ProxySettings(problem: error.message)
            }
        }
    }
}
