import Collectors
import CollectorValues

/// The errors every backend raises the same way.
package enum StorageErrors {
    /// A call before `connect()` or after `disconnect()`. Not retryable: the
    /// same call fails again until somebody connects.
    package static func notConnected(backend: String, kind: String, operation: String) -> ErrorInfo {
        ErrorInfo(
            .connection, layer: .storage, operation: operation,
            message: "\(kind) backend '\(backend)' is not connected (call connect() first)",
            details: ["backend_id": .string(backend)]
        )
    }

    package static func invalid(backend: String, operation: String, _ message: String, details: DataObject = DataObject()) -> ErrorInfo {
        var details = details
        details["backend_id"] = .string(backend)
        return ErrorInfo(.validation, layer: .storage, operation: operation, message: message, details: details)
    }

    package static func notFound(backend: String, operation: String, locationID: String) -> ErrorInfo {
        ErrorInfo(
            .notFound, layer: .storage, operation: operation,
            message: "no record with location id '\(locationID)' in backend '\(backend)'",
            details: ["backend_id": .string(backend), "location_id": .string(locationID)]
        )
    }

    /// Checks `limit` and `offset` of a query.
    package static func checkPaging(_ criteria: QueryCriteria, backend: String) throws(ErrorInfo) {
        if let limit = criteria.limit, limit < 0 {
            throw invalid(backend: backend, operation: "query", "limit must not be negative (got \(limit))")
        }
        if criteria.offset < 0 {
            throw invalid(backend: backend, operation: "query", "offset must not be negative (got \(criteria.offset))")
        }
    }

    /// Filter values are scalars: equality of objects and arrays would mean
    /// different things in different backends (key order, containment).
    package static func checkFilters(_ criteria: QueryCriteria, backend: String) throws(ErrorInfo) {
        for (field, value) in criteria.filters {
            try FieldName.validate(field, operation: "query")
            switch value {
            case .array, .object:
                throw invalid(
                    backend: backend, operation: "query",
                    "the filter on '\(field)' is \(value.typeName == "array" ? "an array" : "an object"): filters compare null, booleans, numbers and strings",
                    details: ["field": .string(field)])
            default: break
            }
        }
        if let sortBy = criteria.sortBy { try FieldName.validate(sortBy, operation: "query") }
    }
}
