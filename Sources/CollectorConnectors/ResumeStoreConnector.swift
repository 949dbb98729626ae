import CollectorPostgres
import CollectorSQLite
import CollectorScripting
import Collectors

extension BuiltinConnectors {
    /// The pipelines' resume stores: a `postgresql://` URL is a table on
    /// that server (`PostgresResumeStore`), anything else a local state file
    /// (`SQLiteResumeStore`).
    public static var resumeStore: ResumeConnector {
        ResumeConnector { location in
            if ResumeConnector.isURL(location) { return try PostgresResumeStore(url: location) }
            return SQLiteResumeStore(path: location)
        }
    }
}
