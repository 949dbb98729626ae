import CollectorScripting
import CollectorSQLite
import Collectors

extension SQLiteConnectors {
    /// The pipelines' spool: an SQLite file (a page is 4 KiB, the smallest cap).
    public static var spool: SpoolConnector {
        SpoolConnector(minimumSize: 4096) { path, maxSize in
            SQLiteSpool(path: path, options: maxSize.map { SQLiteSpool.Options(maxSize: $0) } ?? SQLiteSpool.Options())
        }
    }
}
