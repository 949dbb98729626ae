/// A topic filter subscribed to, at a QoS; with a share group it is
/// subscribed as `$share/GROUP/filter` (MQTT 5 shared subscription: the
/// broker gives each message to one member of the group).
public struct MQTTSubscription: Sendable, Hashable {
    public var filter: String
    public var qos: Int
    public var shareGroup: String?

    public init(filter: String, qos: Int, shareGroup: String? = nil) {
        self.filter = filter
        self.qos = qos
        self.shareGroup = shareGroup
    }

    /// What is sent in the SUBSCRIBE packet.
    var wireFilter: String { shareGroup.map { "$share/\($0)/\(filter)" } ?? filter }
}

extension MQTTSubscription {
    /// What is wrong with a topic filter (nil: nothing): empty, `#` not last
    /// or not a whole level, `+` not a whole level, a NUL.
    public static func problem(filter: String) -> String? {
        if filter.isEmpty { return "is empty" }
        if filter.utf8.contains(0) { return "contains a NUL character" }
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains("#"), level != "#" || index != levels.count - 1 {
                return "has '#' other than as the whole last level"
            }
            if level.contains("+"), level != "+" { return "has '+' other than as a whole level" }
        }
        if filter.hasPrefix("$share/") { return "is a shared subscription already: give the group as share_group" }
        return nil
    }
}
