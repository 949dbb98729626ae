/// Which HTTP proxy a network connector goes through (HTTP, SSE,
/// WebSocket sources; the HTTP output).
public enum ProxyConfiguration: Sendable, Hashable {
    /// As the environment says, as curl reads it: `http_proxy`,
    /// `https_proxy`, `all_proxy`, `no_proxy` (or their upper-case names).
    /// Loopback destinations never go through a proxy from the environment.
    case environment
    /// No proxy, whatever the environment says.
    case direct
    /// This proxy (`http://[user:password@]host:port`) for every destination,
    /// loopback included, except those `no_proxy` names.
    case url(String)
}
