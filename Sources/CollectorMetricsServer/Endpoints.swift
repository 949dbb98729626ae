import Collectors

/// What the server answers: `/metrics`, `/health`, `/ready`.
struct Endpoints: Sendable {
    let registry: MetricsRegistry
    let readiness: @Sendable () async -> Readiness
    /// Asked on each `/health`, on the connection's thread: it must be quick.
    let health: @Sendable () -> Readiness
    let scrapeHookTimeout: Duration

    static let paths: Set<String> = ["/metrics", "/health", "/ready"]

    /// The response when it needs no async work: errors and `/health`, which
    /// answers from the connection's thread, so it works even while the
    /// concurrency pool is busy (or a pipeline is stuck: the health closure
    /// is the watchdog that says so). `nil` for `/metrics` and `/ready` (see `response(to:)`).
    func immediateResponse(to request: HTTPRequestHead) -> HTTPResponse? {
        guard Self.paths.contains(request.path) else { return HTTPResponse(404, "not found\n") }
        guard request.method == "GET" || request.method == "HEAD" else {
            return HTTPResponse(405, "method not allowed\n", extraHeaders: [("Allow", "GET, HEAD")])
        }
        guard request.path == "/health" else { return nil }
        let state = health()
        return state.isReady ? HTTPResponse(200, "ok\n") : HTTPResponse(503, state.reasons.map { $0 + "\n" }.joined())
    }

    /// `/metrics` after the scrape hooks ran; `/ready` as the readiness closure says.
    func response(to request: HTTPRequestHead) async -> HTTPResponse {
        if request.path == "/metrics" {
            return HTTPResponse(
                200, await registry.scrape(hookTimeout: scrapeHookTimeout), contentType: PrometheusText.contentType)
        }
        let state = await readiness()
        return state.isReady ? HTTPResponse(200, "ready\n") : HTTPResponse(503, state.reasons.map { $0 + "\n" }.joined())
    }
}
