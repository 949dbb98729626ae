import Collectors
import LuaRuntime

/// What a script asks of cluster mode (`cluster { url =, lease =, name = }`
/// or `collector run --cluster URL`), before the engine connects.
public struct ClusterRequest: Sendable {
    /// `postgresql://...`
    public var url: String
    /// How long a lease lasts without renewal.
    public var lease: Duration
    /// The cluster's name: processes sharing the sources of one script give the same.
    public var name: String
    /// This process's name among the members; `nil`: `HOST:PID`.
    public var member: String?

    public init(url: String, lease: Duration = .seconds(10), name: String, member: String? = nil) {
        self.url = url
        self.lease = lease
        self.name = name
        self.member = member
    }
}

/// `cluster { url = "postgresql://...", lease = "10s", name = "...", member = "..." }`:
/// the script's pipelines share their sources with the other processes of
/// the same cluster (see docs/scale-out.md). Options given on the command
/// line (`--cluster URL`) win over the script's `url`.
enum ClusterBindings {
    static let options = ["url", "lease", "name", "member"]

    static func install(in lua: LuaState, bindings: ScriptBindings) throws {
        try lua.register("cluster") { [unowned lua] call in
            let reader = try OptionReader("cluster", table: try call.optionalArgument(1, as: LuaTable.self), allowed: options, in: lua)
            guard !bindings.hasStartedPipelines else {
                throw LuaCallError("cluster: call it before any pipeline starts (its sources are leased from the start)")
            }
            var request = bindings.clusterRequest ?? ClusterRequest(url: "", name: bindings.defaultClusterName)
            if let url = try reader.string("url"), bindings.settings.clusterURL == nil { request.url = url }
            if let lease = try reader.duration("lease", atLeast: .milliseconds(300)) { request.lease = lease }
            if let name = try reader.string("name") {
                guard !name.isEmpty else { throw LuaCallError("cluster: name is empty") }
                request.name = name
            }
            if let member = try reader.string("member") { request.member = member }
            guard !request.url.isEmpty else {
                throw LuaCallError("cluster: no url: give url = \"postgresql://...\" (or run with --cluster URL)")
            }
            bindings.clusterRequest = request
            return 0
        }
    }
}
