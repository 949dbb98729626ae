import CollectorValues

/// Where a pipeline keeps what it needs to go on after a restart: its
/// sources' positions (a followed file's offset, an HTTP cursor, an SSE
/// `Last-Event-ID`) and its processors' state.
///
/// Entries are grouped by `scope` (a script's pipeline: `SCRIPT/PIPELINE`);
/// within a scope each entry has a key (`ResumeKey`: `source/ID`,
/// `processor/NAME`). `save` writes several entries in one transaction:
/// a processor's state and the source positions it corresponds to are
/// kept together or not at all, so a crash never leaves one without the
/// other. Entries of the scope that `save` does not name stay as they were.
///
/// Implementations: `SQLiteResumeStore` (a local state file) and
/// `PostgresResumeStore` (one table on a server, shared by instances).
public protocol ResumeStore: Sendable {
    /// Names the store in errors and logs (a path, a redacted URL).
    var description: String { get }

    /// The entries saved under `scope`; empty when there are none.
    func load(scope: String) async throws -> [String: DataValue]

    /// Writes `entries` under `scope`, all of them or none (one transaction).
    func save(scope: String, entries: [String: DataValue]) async throws

    /// Releases the connection or file; a later call opens it again.
    func close() async
}
