/// Where a source is in its life. (Seed: `CollectionStatus`.)
public enum CollectionStatus: String, Sendable, Hashable, CaseIterable {
    case idle
    case connecting
    case connected
    case collecting
    case completed
    case failed
    case disconnected
}
