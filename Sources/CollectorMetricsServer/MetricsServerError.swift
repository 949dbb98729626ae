/// Why the metrics server could not start.
public struct MetricsServerError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The address text is not `HOST:PORT`, `[IPv6]:PORT` or `PORT`, or the host does not resolve.
        case invalidAddress
        /// Another process listens on the port.
        case addressInUse
        /// Binding or listening failed otherwise (not a local address, no permission).
        case cannotListen
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
