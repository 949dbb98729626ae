import CollectorNetwork
import CollectorValues
import Collectors
import Foundation

/// How HTTP failures become `ErrorInfo`s: typed by status or transport
/// failure, with the status and a body excerpt in the details.
///
/// Retryable: 5xx, 408, 429, timeouts, refused or dropped connections.
/// Not retryable: other 4xx (a wrong token stays wrong: 401 and 403 are
/// critical too, so that a polling source stops), DNS failures (a
/// name that does not resolve rarely starts to), TLS failures (a
/// certificate does not become trusted by itself), oversize bodies.
/// `package`: the tests check the mapping of failures they cannot cause
/// without leaving loopback (DNS).
package enum HTTPErrors {
    static let excerptLimit = 512

    /// The `ErrorInfo` a non-2xx answer becomes.
    static func status(
        _ status: Int, body: [UInt8], sourceID: String, url: URL, retryAfter: Double?
    ) -> ErrorInfo {
        var details: DataObject = [
            "source_id": .string(sourceID), "url": .string(url.redactedForDisplay), "http_status": .integer(Int64(status)),
            "body_excerpt": .string(excerpt(body)),
        ]
        if let retryAfter { details["retry_after_seconds"] = .double(retryAfter) }
        let type: ErrorType
        let retryable: Bool
        switch status {
        case 401, 403: (type, retryable) = (.authentication, false)
        case 404, 410: (type, retryable) = (.notFound, false)
        case 408: (type, retryable) = (.timeout, true)
        case 429: (type, retryable) = (.rateLimit, true)
        case 500...599: (type, retryable) = (status == 503 && retryAfter != nil ? .rateLimit : .connection, true)
        default: (type, retryable) = (.validation, false)
        }
        // A refused credential stays refused: the source stops instead of polling on (critical).
        return ErrorInfo(
            type, layer: .collection, operation: "collect",
            message: "HTTP \(status) from \(url.redactedForDisplay)", details: details,
            isCritical: type == .authentication, isRetryable: retryable)
    }

    /// The `ErrorInfo` a request to `url` that failed with `failure` becomes.
    package static func transport(_ failure: NetworkError, sourceID: String, url: URL) -> ErrorInfo {
        var details: DataObject = ["source_id": .string(sourceID), "url": .string(url.redactedForDisplay)]
        if case .responseTooLarge(let limit, let status) = failure.kind {
            details["max_response_size"] = .integer(Int64(limit))
            details["http_status"] = .integer(Int64(status))
            return ErrorInfo(
                .validation, layer: .collection, operation: "collect",
                message: "response from \(url.redactedForDisplay) is larger than \(limit) bytes", details: details)
        }
        let (type, retryable, what) = classify(failure.kind)
        details["network_error"] = .string(what.lowercased().replacingOccurrences(of: " ", with: "_"))
        return ErrorInfo(
            type, layer: .collection, operation: "collect", message: "\(what): \(url.redactedForDisplay) (\(failure.message))",
            details: details, isRetryable: retryable)
    }

    /// The error type, whether a retry may help, and a short name of the failure.
    static func classify(_ kind: NetworkError.Kind) -> (ErrorType, Bool, String) {
        switch kind {
        case .timedOut: (.timeout, true, "timed out")
        case .hostNotFound: (.connection, false, "host not found")
        case .connectionRefused: (.connection, true, "connection refused")
        case .unreachable: (.connection, true, "network unreachable")
        case .connectionLost: (.connection, true, "connection lost")
        case .bodyCutOff: (.connection, true, "body cut off")
        case .badResponse: (.connection, true, "bad response")
        case .tooManyRedirects: (.connection, true, "too many redirects")
        // 407 (credentials) and 403 stay as they are; a 5xx proxy may recover.
        case .proxyRefused(let status): (.connection, status >= 500, "proxy refused")
        case .tlsFailed: (.connection, false, "TLS failed")
        case .invalidRequest: (.configuration, false, "invalid request")
        case .cancelled: (.cancelled, false, "cancelled")
        case .responseTooLarge: (.validation, false, "response too large")
        }
    }

    /// The start of a body as text, for error messages (invalid UTF-8 replaced).
    static func excerpt(_ body: [UInt8]) -> String {
        String(decoding: body.prefix(excerptLimit), as: UTF8.self)
    }

    /// `Retry-After` as seconds: a number of seconds or an HTTP date.
    static func retryAfter(_ value: String?, now: Date = Date()) -> Double? {
        RetryAfter.seconds(value, now: now)
    }
}
