import CollectorValues
import Collectors
import Foundation

/// How HTTP failures become `ErrorInfo`s: typed by status or transport
/// failure, with the status and a body excerpt in the details.
///
/// Retryable: 5xx, 408, 429, timeouts, refused or dropped connections.
/// Not retryable: other 4xx (a wrong token stays wrong), DNS failures (a
/// name that does not resolve rarely starts to), oversize bodies.
enum HTTPErrors {
    static let excerptLimit = 512

    static func status(
        _ response: HTTPResponse, sourceID: String, url: URL, retryAfter: Double?
    ) -> ErrorInfo {
        let status = response.status
        var details: DataObject = [
            "source_id": .string(sourceID), "url": .string(url.absoluteString), "http_status": .integer(Int64(status)),
            "body_excerpt": .string(excerpt(response.body)),
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
        return ErrorInfo(
            type, layer: .collection, operation: "collect",
            message: "HTTP \(status) from \(url.absoluteString)", details: details, isRetryable: retryable)
    }

    static func transport(_ failure: any Error, sourceID: String, url: URL) -> ErrorInfo {
        var details: DataObject = ["source_id": .string(sourceID), "url": .string(url.absoluteString)]
        switch failure {
        case HTTPTransportFailure.tooLarge(let limit, let status):
            details["max_response_size"] = .integer(Int64(limit))
            details["http_status"] = .integer(Int64(status))
            return ErrorInfo(
                .validation, layer: .collection, operation: "collect",
                message: "response from \(url.absoluteString) is larger than \(limit) bytes", details: details)
        case HTTPTransportFailure.failed(let error):
            details["url_error"] = .integer(Int64(error.code.rawValue))
            let (type, retryable, what) = classify(error.code)
            return ErrorInfo(
                type, layer: .collection, operation: "collect",
                message: "\(what): \(url.absoluteString) (\(error.localizedDescription))", details: details,
                isRetryable: retryable)
        case let info as ErrorInfo:
            return info
        case is CancellationError:
            return ErrorInfo(.cancelled, layer: .collection, operation: "collect", message: "cancelled", details: details)
        default:
            return ErrorInfo(
                .connection, layer: .collection, operation: "collect",
                message: "request to \(url.absoluteString) failed: \(failure)", details: details, isRetryable: true)
        }
    }

    static func classify(_ code: URLError.Code) -> (ErrorType, Bool, String) {
        switch code {
        case .timedOut: return (.timeout, true, "timed out")
        case .cannotFindHost, .dnsLookupFailed: return (.connection, false, "host not found")
        case .cannotConnectToHost: return (.connection, true, "connection refused")
        case .networkConnectionLost: return (.connection, true, "connection lost")
        case .notConnectedToInternet: return (.connection, true, "no network")
        case .cancelled: return (.cancelled, false, "cancelled")
        case .badServerResponse, .cannotParseResponse: return (.connection, true, "bad response")
        case .userAuthenticationRequired: return (.authentication, false, "authentication required")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return (.connection, false, "TLS failed")
        default: return (.connection, true, "request failed")
        }
    }

    /// The start of a body as text, for error messages (invalid UTF-8 replaced).
    static func excerpt(_ body: [UInt8]) -> String {
        String(decoding: body.prefix(excerptLimit), as: UTF8.self)
    }

    /// `Retry-After` as seconds: a number of seconds or an HTTP date.
    static func retryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
