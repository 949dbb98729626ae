/// An error that knows whether another attempt can succeed. `ErrorInfo`
/// conforms; other error types adopt it to take part in retries.
public protocol RetryableError: Error {
    var isRetryable: Bool { get }
}

extension ErrorInfo: RetryableError {}
