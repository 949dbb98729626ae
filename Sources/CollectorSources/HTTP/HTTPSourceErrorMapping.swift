import Collectors
import Foundation

/// How `HTTPSource` types a transport failure, public so that embedders
/// (and tests that must not leave loopback, such as DNS failures) can see it.
public enum HTTPSourceErrorMapping {
    /// The `ErrorInfo` a request to `url` failing with `error` becomes.
    public static func map(_ error: URLError, url: URL, sourceID: String = "") -> ErrorInfo {
        HTTPErrors.transport(HTTPTransportFailure.failed(error), sourceID: sourceID, url: url)
    }
}
