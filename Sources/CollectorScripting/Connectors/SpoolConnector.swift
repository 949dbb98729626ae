import Collectors

/// Where a script's pipelines keep the batches a backend could not take
/// (the `spool` option of `pipeline`): how a spool file is made, with its
/// size cap if the script gives one. The engine's is `SQLiteSpool`
/// (`BuiltinConnectors.sqliteSpool` of CollectorConnectors).
public struct SpoolConnector {
    /// The smallest cap a script may give (`max_size`).
    public let minimumSize: Int
    /// Makes the spool at that path, capped at that size when given.
    public let make: (_ path: String, _ maxSize: Int?) -> any Spool

    public init(minimumSize: Int, make: @escaping (_ path: String, _ maxSize: Int?) -> any Spool) {
        self.minimumSize = minimumSize
        self.make = make
    }
}
