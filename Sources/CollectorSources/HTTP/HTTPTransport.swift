import Collectors
import Foundation

/// A response as the HTTP sources need it: status, headers and the body read so far.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]
    var url: URL?

    /// A header by case-insensitive name.
    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.key.lowercased() == lower }?.value
    }
}

/// Why a transfer ended without a response.
enum HTTPTransportFailure: Error, Sendable {
    /// The body grew past the limit; the transfer was cancelled.
    case tooLarge(limit: Int, status: Int)
    case failed(URLError)
    case other(String)
}

/// Runs URLSession data tasks through a delegate, so that bodies are
/// counted as they arrive (an oversize body is cut off, not downloaded) and
/// so that streams (SSE) can be fed incrementally on Linux, where
/// `URLSession.bytes(for:)` does not exist.
final class HTTPTransport: NSObject, URLSessionDataDelegate, Sendable {
    /// What the delegate hears about one task.
    enum Event: Sendable {
        case response(status: Int, headers: [String: String], url: URL?)
        case data([UInt8])
        case finished((any Error)?)
    }

    /// Per task: where its events go. Guarded by `Locked`.
    private let handlers = Locked([Int: @Sendable (Event) -> Void]())

    /// A session whose delegate is this transport. The session retains its
    /// delegate until invalidated: call `invalidate` on it when done.
    func makeSession(timeout: Duration, totalTimeout: Duration) -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = seconds(timeout)
        configuration.timeoutIntervalForResource = seconds(totalTimeout)
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        return URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    /// Starts `request`; `handler` gets the response, each piece of the body, then the end.
    /// Returns the task so that the caller can cancel it.
    func start(
        _ request: URLRequest, in session: URLSession, handler: @escaping @Sendable (Event) -> Void
    ) -> URLSessionDataTask {
        let task = session.dataTask(with: request)
        handlers.withLock { $0[task.taskIdentifier] = handler }
        task.resume()
        return task
    }

    /// One whole request: the response with at most `limit` body bytes.
    func perform(_ request: URLRequest, in session: URLSession, limit: Int) async throws -> HTTPResponse {
        struct Accumulated {
            var response: HTTPResponse?
            var tooLarge = false
            var continuation: CheckedContinuation<HTTPResponse, any Error>?
        }
        let state = Locked(Accumulated())
        let taskBox = Locked<URLSessionDataTask?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                state.withLock { $0.continuation = continuation }
                let task = start(request, in: session) { event in
                    switch event {
                    case .response(let status, let headers, let url):
                        state.withLock { $0.response = HTTPResponse(status: status, headers: headers, body: [], url: url) }
                    case .data(let bytes):
                        let overflow = state.withLock { state -> Bool in
                            guard !state.tooLarge, state.response != nil else { return false }
                            if state.response!.body.count + bytes.count > limit {
                                state.tooLarge = true
                                return true
                            }
                            state.response!.body.append(contentsOf: bytes)
                            return false
                        }
                        if overflow { taskBox.withLock { $0 }?.cancel() }
                    case .finished(let error):
                        let (continuation, result) = state.withLock { state -> (CheckedContinuation<HTTPResponse, any Error>?, Result<HTTPResponse, any Error>) in
                            defer { state.continuation = nil }
                            if state.tooLarge {
                                return (state.continuation, .failure(HTTPTransportFailure.tooLarge(limit: limit, status: state.response?.status ?? 0)))
                            }
                            if let error {
                                if let urlError = error as? URLError { return (state.continuation, .failure(HTTPTransportFailure.failed(urlError))) }
                                return (state.continuation, .failure(HTTPTransportFailure.other(String(describing: error))))
                            }
                            guard let response = state.response else {
                                return (state.continuation, .failure(HTTPTransportFailure.other("no response")))
                            }
                            return (state.continuation, .success(response))
                        }
                        continuation?.resume(with: result)
                    }
                }
                taskBox.withLock { $0 = task }
            }
        } onCancel: {
            taskBox.withLock { $0 }?.cancel()
        }
    }

    // MARK: URLSessionDataDelegate

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http?.allHeaderFields ?? [:] {
            headers[String(describing: key)] = String(describing: value)
        }
        handler(for: dataTask)?(.response(status: http?.statusCode ?? 0, headers: headers, url: response.url))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        handler(for: dataTask)?(.data([UInt8](data)))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let handler = handlers.withLock { $0.removeValue(forKey: task.taskIdentifier) }
        handler?(.finished(error))
    }

    /// Redirects are followed (URLSession's default), conditional headers included.
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(request)
    }

    private func handler(for task: URLSessionTask) -> (@Sendable (Event) -> Void)? {
        handlers.withLock { $0[task.taskIdentifier] }
    }

    private func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
