import CollectorValues
import Foundation

/// What kind of failure. (Seed: `ErrorType`.)
public enum ErrorType: String, Sendable, Hashable, CaseIterable {
    case connection
    case timeout
    case authentication
    case validation
    case processing
    case storage
    case configuration
    case rateLimit = "rate_limit"
    case notFound = "not_found"
    /// A sandbox limit (instructions, time, memory) stopped a processor.
    case limit
    case cancelled
    case unknown
}

/// Which layer of the engine failed.
public enum Layer: String, Sendable, Hashable, CaseIterable {
    case collection
    case processing
    case storage
    case scripting
    case engine
}

/// Every failure in the engine, as data. (Seed: `ErrorInfo`.)
///
/// It is thrown as an error by components, handed to the error handler and
/// emitted as an event; `isRetryable` tells the retry policy whether
/// another attempt can succeed (a timeout can, a wrong password cannot).
public struct ErrorInfo: Error, Sendable, Hashable, CustomStringConvertible {
    public var type: ErrorType
    public var timestamp: Date
    public var layer: Layer
    /// What was being done: `connect`, `collect`, `store`, `process` ...
    public var operation: String
    public var message: String
    /// Context: the source or backend id, an HTTP status, a record id ...
    public var details: DataObject
    /// A critical error stops the component (the seed's `is_critical`).
    public var isCritical: Bool
    public var isRetryable: Bool

    public init(
        _ type: ErrorType, layer: Layer, operation: String, message: String, details: DataObject = DataObject(),
        isCritical: Bool = false, isRetryable: Bool = false, timestamp: Date = Date()
    ) {
        self.type = type
        self.timestamp = timestamp
        self.layer = layer
        self.operation = operation
        self.message = message
        self.details = details
        self.isCritical = isCritical
        self.isRetryable = isRetryable
    }

    public var description: String {
        "\(layer.rawValue) \(operation) failed (\(type.rawValue)): \(message)"
    }
}
