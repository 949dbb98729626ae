import Collectors

/// How a file of ours that must be an SQLite database (the spool, the state
/// file) reports being something else or damaged: which file, and what
/// moving it away gives.
struct SQLiteFileProblems: Sendable {
    /// The file as messages name it: "the spool", "the state file".
    let name: String
    let path: String
    let operation: String
    /// What the user gets by moving the file away: "start with an empty spool".
    let fresh: String

    /// Runs `body`; a file that is not a database, or a damaged one, makes an
    /// error that says so and what to do about it.
    func clarifying<T>(_ body: () throws(ErrorInfo) -> T) throws(ErrorInfo) -> T {
        do {
            return try body()
        } catch {
            guard error.sqliteCode == .notADatabase || error.sqliteCode == .corrupt else { throw error }
            var clear = error
            clear.message = "\(name) \(path) is not an SQLite database or is damaged (\(error.message)); move it away to \(fresh)"
            throw clear
        }
    }

    /// The file is a database but not one of ours as it should be: `what` says how.
    func damaged(_ what: String) -> ErrorInfo {
        ErrorInfo(
            .storage, layer: .storage, operation: operation,
            message: "\(name) \(path) is damaged: \(what); move it away to \(fresh)",
            details: ["path": .string(path)])
    }
}
