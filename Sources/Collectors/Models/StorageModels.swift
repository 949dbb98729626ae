import CollectorValues
import Foundation

/// Where a backend put one record. (Seed: `StorageLocation`.)
public struct StorageLocation: Sendable, Hashable {
    public var backendID: String
    /// The backend's id of the stored record; `delete(locationID:)` takes it.
    public var locationID: String
    /// A human-readable address, such as `sqlite:///data/collector.db/readings/42`.
    public var path: String
    public var createdAt: Date

    public init(backendID: String, locationID: String, path: String, createdAt: Date = Date()) {
        self.backendID = backendID
        self.locationID = locationID
        self.path = path
        self.createdAt = createdAt
    }
}

/// What a backend confirms for a batch: all of it was stored (one transaction), or the call threw.
public struct StoredBatch: Sendable, Hashable {
    public var backendID: String
    /// Records written now.
    public var count: Int
    /// Records not written because they were stored already (the same
    /// record id): a replay, a file read again after a restart.
    public var skipped: Int

    public init(backendID: String, count: Int, skipped: Int = 0) {
        self.backendID = backendID
        self.count = count
        self.skipped = skipped
    }
}

/// Which records a query returns. (Seed: `QueryCriteria`.)
public struct QueryCriteria: Sendable, Hashable {
    public enum SortDirection: String, Sendable, Hashable {
        case ascending = "asc"
        case descending = "desc"
    }

    /// Equality filters on top-level fields, all of which must match.
    public var filters: DataObject
    public var sortBy: String?
    public var sortDirection: SortDirection
    public var limit: Int?
    public var offset: Int

    public init(
        filters: DataObject = DataObject(), sortBy: String? = nil, sortDirection: SortDirection = .ascending,
        limit: Int? = nil, offset: Int = 0
    ) {
        self.filters = filters
        self.sortBy = sortBy
        self.sortDirection = sortDirection
        self.limit = limit
        self.offset = offset
    }
}
