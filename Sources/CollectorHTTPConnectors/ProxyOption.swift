import CollectorScripting
import CollectorNetwork
import Collectors
import LuaRuntime

/// The `proxy` option of the network connectors: a proxy URL
/// (`"http://user:password@host:port"`) or `false` to go direct whatever the
/// environment says; without it, the environment's proxy variables apply.
enum ProxyOption {
    /// The option in a connector's schema.
    static let option = ConnectorOption(
        "proxy", .any, annotation: "string|false",
        "`\"http://[user:password@]host:port\"`, or `false`: none; default: `http_proxy`/`https_proxy`/`no_proxy` as curl reads them, never for loopback (see [Proxies](sources/http.md#proxies))"
    )

    static func read(_ options: OptionReader) throws -> ProxyConfiguration {
        switch options.value("proxy") {
        case nil:
            return .environment
        case .boolean(false):
            return .direct
        case .string(let url):
            do {
                _ = try ProxyServer(parsing: url, from: "option 'proxy'")
            } catch {
                throw LuaCallError("\(options.function): \(error.message)")
            }
            return .url(url)
        case let value?:
            throw LuaCallError(
                "\(options.function): option 'proxy' must be a proxy URL (\"http://host:port\") or false, got \(value.typeDescription)")
        }
    }
}
