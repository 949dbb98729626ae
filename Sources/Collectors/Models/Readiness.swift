/// Whether something is ready to do its work, and if not, why.
public struct Readiness: Sendable, Hashable {
    /// Empty when ready; otherwise one line per problem ("source 'api' is connecting").
    public var reasons: [String]

    public init(reasons: [String] = []) {
        self.reasons = reasons
    }

    public static let ready = Readiness()

    public static func notReady(_ reason: String) -> Readiness {
        Readiness(reasons: [reason])
    }

    public var isReady: Bool { reasons.isEmpty }

    /// Ready when every part is; the reasons of all parts.
    public static func all(_ parts: [Readiness]) -> Readiness {
        Readiness(reasons: parts.flatMap(\.reasons))
    }
}
