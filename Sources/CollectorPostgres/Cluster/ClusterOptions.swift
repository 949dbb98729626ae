import Foundation

/// How one process takes part in a cluster (`collector run --cluster URL`, `cluster {}`).
public struct ClusterOptions: Sendable {
    /// `postgresql://user:password@host:port/database` (or a libpq `key=value` string).
    public var url: String
    /// The cluster: processes that share the sources of one script give the same name.
    public var name: String
    /// How long a lease lasts without renewal; renewed every third of it.
    /// A dead process's sources are taken over within two of it.
    public var lease: Duration
    /// This process in the members table; unique per process.
    public var member: String

    public init(url: String, name: String, lease: Duration = .seconds(10), member: String? = nil) {
        self.url = url
        self.name = name
        self.lease = lease
        self.member = member ?? "\(ProcessInfo.processInfo.hostName):\(getpid())"
    }

    var leaseSeconds: Double {
        let parts = lease.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
