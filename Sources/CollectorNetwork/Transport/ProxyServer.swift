import Collectors
import Foundation

/// An HTTP proxy: where it listens, and the credentials of its URL
/// (`http://user:password@host:port`), sent as `Proxy-Authorization: Basic`.
/// Its description never shows them.
package struct ProxyServer: Sendable, Hashable, CustomStringConvertible {
    package var endpoint: Endpoint
    /// `Basic …` when the URL has a user.
    package var authorization: String?

    /// - Parameter origin: where the text came from (an environment variable,
    ///   an option), for the error message.
    package init(parsing text: String, from origin: String) throws(NetworkError) {
        // curl reads a proxy without a scheme as http://.
        let full = text.contains("://") ? text : "http://" + text
        guard let components = URLComponents(string: full), let host = components.host, !host.isEmpty else {
            throw NetworkError(.invalidRequest, "\(origin) is not a proxy URL (http://host:port): '\(Self.redacted(text))'")
        }
        let scheme = components.scheme?.lowercased() ?? "http"
        guard scheme == "http" else {
            throw NetworkError(
                .invalidRequest, "\(origin): a proxy speaking \(scheme):// is not supported (only http:// proxies): '\(Self.redacted(text))'")
        }
        endpoint = Endpoint(secure: false, host: host, port: components.port ?? 1080)
        if let user = components.user {
            let name = user.removingPercentEncoding ?? user
            let password = components.password.map { $0.removingPercentEncoding ?? $0 } ?? ""
            let credentials = "Basic " + Data("\(name):\(password)".utf8).base64EncodedString()
            authorization = credentials
            // The password and the header never leave the engine (an error echoing the request included).
            SecretRedactor.shared.register(password)
            SecretRedactor.shared.register("\(name):\(password)")
            SecretRedactor.shared.register(credentials)
            SecretRedactor.shared.register(String(credentials.dropFirst(6)))
        }
    }

    package var description: String { "http://\(endpoint.description)" }

    /// A proxy URL as text for an error message: without its credentials.
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let start = text.range(of: "://")?.upperBound ?? text.startIndex
        return String(text[..<start]) + "***@" + String(text[text.index(after: at)...])
    }
}
