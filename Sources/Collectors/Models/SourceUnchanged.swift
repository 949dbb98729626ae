/// What `DataSource.collect()` throws when the source has nothing new since
/// its last collection (an HTTP API answering `304 Not Modified`): not a
/// failure. The collection manager delivers nothing for it, counts it
/// (`CollectionManager.Statistics.unchanged`) and goes on, with no error,
/// retry or failed collection.
public struct SourceUnchanged: Error, Sendable, CustomStringConvertible {
    public var sourceID: String
    /// Why it has nothing new, for debugging (`https://api/x has not changed since it was last collected`).
    public var reason: String

    public init(sourceID: String, reason: String) {
        self.sourceID = sourceID
        self.reason = reason
    }

    public var description: String { reason }
}
