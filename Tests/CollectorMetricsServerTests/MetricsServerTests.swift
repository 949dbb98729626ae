import CollectorMetricsServer
import Collectors
import Foundation
import Testing

/// The server over real loopback sockets. Every client wait is bounded
/// (`HTTPTestClient.patience`); nothing here measures time.
@Suite("MetricsServer", .timeLimit(.minutes(2)))
struct MetricsServerTests {
    /// A registry with one series, and a server for it on a free loopback port.
    func serve(
        configuration: MetricsServer.Configuration = MetricsServer.Configuration(),
        readiness: @escaping @Sendable () async -> Readiness = { .ready }
    ) throws -> (MetricsRegistry, MetricsServer) {
        let registry = MetricsRegistry()
        try registry.counter("demo_requests_total", help: "Requests.", labels: ["path"]).labels("/").increment(by: 3)
        let server = try MetricsServer(
            address: ListenAddress(host: "127.0.0.1", port: 0), registry: registry, configuration: configuration,
            readiness: readiness)
        return (registry, server)
    }

    @Test func servesMetricsHealthAndReadiness() async throws {
        let notReady = Locked(true)
        let (registry, server) = try serve {
            notReady.withLock { $0 } ? Readiness(reasons: ["source 'api' is not connected yet", "backends are not connected"]) : .ready
        }
        defer { server.stop() }
        let port = server.port
        #expect(port > 0)
        let responses = try await onThread {
            let client = try HTTPTestClient(port: port)
            let metrics = try client.request("/metrics")
            let head = try client.request("/metrics", method: "HEAD")
            let health = try client.request("/health")
            let unready = try client.request("/ready")
            notReady.withLock { $0 = false }
            let ready = try client.request("/ready?verbose=1")
            return (metrics, head, health, unready, ready)
        }
        let (metrics, head, health, unready, ready) = responses
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(metrics.body == registry.render())
        #expect(metrics.body.contains("demo_requests_total{path=\"/\"} 3\n"))
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.headers["content-length"] == metrics.headers["content-length"])
        #expect(health.status == 200 && health.body == "ok\n")
        #expect(unready.status == 503)
        #expect(unready.body == "source 'api' is not connected yet\nbackends are not connected\n")
        #expect(ready.status == 200 && ready.body == "ready\n")
    }

    @Test func answersWrongRequestsWithTheRightStatus() async throws {
        let (_, server) = try serve()
        defer { server.stop() }
        let port = server.port
        @Sendable func exchange(_ raw: String) throws -> (HTTPTestClient.Response, closed: Bool) {
            let client = try HTTPTestClient(port: port)
            try client.send(raw)
            let response = try client.readResponse()
            return (response, try response.headers["connection"] == "close" && client.closedByServer())
        }
        let results = try await onThread {
            [
                "unknown path": try exchange("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"),
                "wrong method": try exchange("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"),
                "garbage": try exchange("HELLO\r\n\r\n"),
                "no host": try exchange("GET /metrics HTTP/1.1\r\n\r\n"),
                "bad header": try exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
                "bad length": try exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
                "absolute target": try exchange("GET http://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP/2": try exchange("GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n"),
                "too large": try exchange("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: \(String(repeating: "a", count: 9000))\r\n\r\n"),
            ]
        }
        let expected = [
            "unknown path": 404, "wrong method": 405, "garbage": 400, "no host": 400, "bad header": 400,
            "bad length": 400, "absolute target": 400, "HTTP/2": 505, "too large": 431,
        ]
        for (name, status) in expected {
            #expect(results[name]?.0.status == status, "\(name)")
        }
        #expect(results["wrong method"]?.0.headers["allow"] == "GET, HEAD")
        #expect(results["unknown path"]?.closed == false, "a 404 keeps the connection")
        for name in ["wrong method", "garbage", "no host", "HTTP/2", "too large"] {
            #expect(results[name]?.closed == true, "\(name): the connection is closed after the error")
        }
    }

    @Test func keepsConnectionsAliveOrClosesThemAsAsked() async throws {
        let (_, server) = try serve()
        defer { server.stop() }
        let port = server.port
        let outcome = try await onThread {
            let client = try HTTPTestClient(port: port)
            // Two requests in one write (pipelined), then a third that asks to close.
            try client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            let first = try client.readResponse()
            let second = try client.readResponse()
            let third = try client.request("/health", headers: ["Connection: close"])
            let closed = try client.closedByServer()
            let old = try HTTPTestClient(port: port)
            try old.send("GET /health HTTP/1.0\r\n\r\n")
            let http10 = try old.readResponse()
            return (first, second, third, closed, http10, try old.closedByServer())
        }
        #expect(outcome.0.status == 200 && outcome.0.headers["connection"] == "keep-alive")
        #expect(outcome.1.status == 200 && outcome.1.body.contains("demo_requests_total"))
        #expect(outcome.2.status == 200 && outcome.2.headers["connection"] == "close")
        #expect(outcome.3, "closed after Connection: close")
        #expect(outcome.4.status == 200 && outcome.4.headers["connection"] == "close")
        #expect(outcome.5, "HTTP/1.0 closes by default")
    }

    @Test func servesConcurrentClients() async throws {
        let (registry, server) = try serve()
        defer { server.stop() }
        let port = server.port
        let expected = registry.render()
        // Every client connects first, then all ask, so the connections are open at once.
        let clients = try (0..<12).map { _ in try HTTPTestClient(port: port) }
        let bodies = try await withThrowingTaskGroup(of: [String].self) { group in
            for client in clients {
                group.addTask {
                    try await onThread { try (0..<3).map { _ in try client.request("/metrics").body } }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(bodies.count == 36)
        #expect(bodies.allSatisfy { $0 == expected })
    }

    @Test func aSlowClientDoesNotHoldUpOthers() async throws {
        let (_, server) = try serve(configuration: .init(readTimeout: .seconds(1)))
        defer { server.stop() }
        let port = server.port
        let outcome = try await onThread {
            // One client sends half a request and stalls; another connects and says nothing.
            let slow = try HTTPTestClient(port: port)
            try slow.send("GET /metr")
            let silent = try HTTPTestClient(port: port)
            let other = try HTTPTestClient(port: port)
            let health = try other.request("/health")
            let metrics = try other.request("/metrics")
            // In time the stalled request gets 408 and the silent connection is closed.
            let timeout = try slow.readResponse()
            return (health.status, metrics.status, timeout.status, try silent.closedByServer())
        }
        #expect(outcome.0 == 200 && outcome.1 == 200)
        #expect(outcome.2 == 408)
        #expect(outcome.3)
    }

    @Test func aNewClientTakesThePlaceOfTheOneIdleLongest() async throws {
        let (_, server) = try serve(configuration: .init(maxConnections: 2))
        defer { server.stop() }
        let port = server.port
        let outcome = try await onThread {
            let first = try HTTPTestClient(port: port)
            let second = try HTTPTestClient(port: port)
            // Both are kept alive, idle, once each has had an answer.
            _ = try first.request("/health")
            _ = try second.request("/health")
            let third = try HTTPTestClient(port: port)
            return (try third.request("/health").status, try first.closedByServer(), try second.request("/health").status)
        }
        #expect(outcome.0 == 200, "the newcomer is served")
        #expect(outcome.1, "in place of the connection idle longest")
        #expect(outcome.2 == 200)
    }

    @Test func refusesBadAddressesAndPortsInUse() throws {
        let (_, server) = try serve()
        defer { server.stop() }
        let taken = #expect(throws: MetricsServerError.self) {
            try MetricsServer(address: ListenAddress(host: "127.0.0.1", port: server.port), registry: MetricsRegistry())
        }
        #expect(taken?.kind == .addressInUse)
        #expect(taken?.message == "cannot listen on 127.0.0.1:\(server.port): the port is already in use")
        let unresolvable = #expect(throws: MetricsServerError.self) {
            try MetricsServer(address: ListenAddress(host: "no-such-host.invalid", port: 0), registry: MetricsRegistry())
        }
        #expect(unresolvable?.kind == .invalidAddress)
        // TEST-NET-1 (RFC 5737) is never an address of this machine.
        let foreign = #expect(throws: MetricsServerError.self) {
            try MetricsServer(address: ListenAddress(host: "192.0.2.1", port: 0), registry: MetricsRegistry())
        }
        #expect(foreign?.kind == .cannotListen)
    }

    @Test func parsesListenAddresses() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:9464") == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try ListenAddress(parsing: "9464") == ListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try ListenAddress(parsing: ":0") == ListenAddress(host: "127.0.0.1", port: 0))
        #expect(try ListenAddress(parsing: "[::1]:9100") == ListenAddress(host: "::1", port: 9100))
        #expect(try ListenAddress(parsing: "0.0.0.0:9464").host == "0.0.0.0")
        #expect(try ListenAddress(parsing: "localhost:80").description == "localhost:80")
        #expect(ListenAddress(host: "::1", port: 1).description == "[::1]:1")
        for bad in ["", "host:", "host:port", "1.2.3.4:70000", "::1:80", "[::1]80", "[::1", "a b:1", ":-1"] {
            let error = #expect(throws: MetricsServerError.self, "\(bad)") { try ListenAddress(parsing: bad) }
            #expect(error?.kind == .invalidAddress)
        }
    }

    @Test func stopEndsOpenConnectionsAndTheListener() async throws {
        let (_, server) = try serve()
        let port = server.port
        let idle = try HTTPTestClient(port: port)
        server.stop()
        let closed = try await onThread { try idle.closedByServer() }
        #expect(closed)
        #expect(throws: HTTPTestClient.Failure.self) { try HTTPTestClient(port: port) }
    }
}
