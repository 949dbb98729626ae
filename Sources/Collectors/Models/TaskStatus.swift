/// Where a unit of work (a run of a source, a pipeline) is. (Seed: `TaskStatus`.)
public enum TaskStatus: String, Sendable, Hashable, CaseIterable {
    case pending
    case running
    case completed
    case failed
    case cancelled
}
