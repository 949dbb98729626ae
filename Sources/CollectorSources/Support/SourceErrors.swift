import CollectorValues
import Collectors
import Foundation

/// The `ErrorInfo`s the sources throw, built in one place so that their
/// types, details and retryability stay consistent across sources.
package enum SourceErrors {
    /// `collect()` on a source whose data has all been read. Not retryable:
    /// trying again cannot produce more. `stream()` ends normally instead.
    static func endOfData(_ id: String) -> ErrorInfo {
        ErrorInfo(
            .notFound, layer: .collection, operation: "collect",
            message: "source '\(id)' has no more data",
            details: ["source_id": .string(id), "end_of_data": .bool(true)])
    }

    /// A read cut short because the source was disconnected meanwhile.
    static func disconnected(_ id: String) -> ErrorInfo {
        ErrorInfo(
            .cancelled, layer: .collection, operation: "collect",
            message: "source '\(id)' was disconnected while it was being read", details: ["source_id": .string(id)])
    }

    /// A failed system call, typed by its errno.
    static func system(
        _ id: String, operation: String, call: String, errno code: Int32, path: String? = nil
    ) -> ErrorInfo {
        var details: DataObject = [
            "source_id": .string(id), "errno": .integer(Int64(code)), "call": .string(call),
        ]
        if let path { details["path"] = .string(path) }
        let reason = String(cString: strerror(code))
        let type: ErrorType
        var retryable = false
        switch code {
        case ENOENT, ENOTDIR: type = .notFound
        case EACCES, EPERM: type = .authentication
        case EISDIR, EINVAL: type = .configuration
        case EINTR, EAGAIN, EIO, EMFILE, ENFILE, ENOMEM:
            type = .connection
            retryable = true
        default: type = .unknown
        }
        let subject = path.map { " '\($0)'" } ?? ""
        return ErrorInfo(
            type, layer: .collection, operation: operation,
            message: "\(call)\(subject) failed: \(reason)", details: details, isRetryable: retryable)
    }

    /// A line or message that is not what the source was told to expect
    /// (too long, not UTF-8). The source has already skipped past it.
    package static func invalidInput(_ id: String, message: String, details: DataObject) -> ErrorInfo {
        var all = details
        all["source_id"] = .string(id)
        return ErrorInfo(.validation, layer: .collection, operation: "collect", message: message, details: all)
    }
}
