/// How a registered source is collected.
public enum CollectionMode: Sendable, Hashable {
    /// One `collect()`.
    case once
    /// `collect()` every `every`, `count` times or until stopped.
    case interval(Duration, count: Int? = nil)
    /// `stream()` until it ends or the manager stops.
    case stream
}
