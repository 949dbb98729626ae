/// A streaming source that reconnects by its own `ReconnectPolicy` (SSE,
/// WebSocket), rather than by the pipeline's retry policy.
///
/// A retryable error thrown by its `stream()` reports one failed
/// connection while the source goes on: a new `stream()` waits out the
/// backoff and reconnects. The error's details may say which attempt it
/// was (`reconnect_attempt`) and how long the wait is (`delay_seconds`).
/// A non-retryable error means the source gave up (its attempts ran out,
/// or the failure cannot pass: a refused credential).
public protocol ReconnectingSource: DataSource {}
