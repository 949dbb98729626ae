import CollectorNetwork
import Collectors
import LuaRuntime

/// The `proxy` option of the network connectors: a proxy URL
/// (`"http://user:password@host:port"`) or `false` to go direct whatever the
/// environment says; without it, the environment's proxy variables apply.
enum ProxyOption {
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
