/// Where a reload stopped.
public enum ReloadStage: String, Sendable, Hashable {
    /// The file could not be read (deleted, a directory, not UTF-8 text).
    case read
    /// The script does not compile.
    case compile
    /// The chunk failed while it ran, or gave no `process` function.
    case load
    /// `init(ctx)` failed in one of the new states.
    case initialize = "init"
    /// One of the module's inline tests failed.
    case test
    /// `export_state()` of the running version or `migrate` of the new one failed.
    case migrate
    /// Too many of the new version's first records failed (see `ReloadPolicy`).
    case probation
}
