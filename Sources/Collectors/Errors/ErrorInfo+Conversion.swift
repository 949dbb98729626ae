import CollectorValues
import Foundation

extension ErrorInfo {
    /// Any error as an `ErrorInfo`: an `ErrorInfo` is kept (its details gain
    /// `details`' keys it lacks), a `CancellationError` becomes `.cancelled`,
    /// anything else becomes `type` with its description as the message.
    public init(
        from error: any Error, type: ErrorType = .unknown, layer: Layer, operation: String,
        details: DataObject = DataObject()
    ) {
        if var info = error as? ErrorInfo {
            for (key, value) in details where info.details[key] == nil { info.details[key] = value }
            self = info
            return
        }
        if error is CancellationError {
            self.init(.cancelled, layer: layer, operation: operation, message: "cancelled", details: details)
            return
        }
        let retryable = (error as? any RetryableError)?.isRetryable ?? false
        self.init(
            type, layer: layer, operation: operation, message: String(describing: error), details: details,
            isRetryable: retryable)
    }

    /// The error as event or dead-letter data.
    public var object: DataObject {
        var object = DataObject(minimumCapacity: 9)
        object["type"] = .string(type.rawValue)
        object["layer"] = .string(layer.rawValue)
        object["operation"] = .string(operation)
        object["message"] = .string(message)
        object["details"] = .object(details)
        object["critical"] = .bool(isCritical)
        object["retryable"] = .bool(isRetryable)
        object["timestamp"] = .string(ISO8601Timestamp.string(secondsSince1970: timestamp.timeIntervalSince1970))
        return object
    }
}

extension Error {
    /// Whether a retry may succeed: `RetryableError`s say so; other errors cannot be retried.
    var isRetryableError: Bool { (self as? any RetryableError)?.isRetryable ?? false }
}
