/// A backend that may write records to the process's standard output. A
/// program that prints its own lines there too (the `collector` command's
/// summaries) moves them to standard error while such a backend has it, so
/// that the output stays records only (`collector run x.lua | jq`).
public protocol StandardOutputWriter: StorageBackend {
    /// Whether it writes to standard output (rather than, say, standard error).
    var writesStandardOutput: Bool { get }
}
