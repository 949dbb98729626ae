import CollectorMetricsServer
import Collectors
import Foundation
import Testing

/// Slow clients, however many, cannot keep probes out; only connections
/// that are answering requests hold their places.
@Suite("MetricsServer connection slots", .timeLimit(.minutes(2)))
struct ConnectionSlotsTests {
    func serve(
        _ configuration: MetricsServer.Configuration, readiness: @escaping @Sendable () async -> Readiness = { .ready }
    ) throws -> MetricsServer {
        let registry = MetricsRegistry()
        try registry.counter("demo_total", help: "Demo.", labels: []).labels().increment()
        return try MetricsServer(
            address: ListenAddress(host: "127.0.0.1", port: 0), registry: registry, configuration: configuration,
            readiness: readiness)
    }

    @Test func slowClientsBeyondTheLimitDoNotLockProbesOut() async throws {
        let server = try serve(.init(readTimeout: .seconds(5), maxConnections: 4))
        defer { server.stop() }
        let port = server.port
        let outcome = try await onThread {
            // Twice as many slow clients as places, each sending its request a piece at a time.
            let slow = try (0..<8).map { _ in try HTTPTestClient(port: port) }
            for client in slow { try client.send("GET /metrics HTTP/1.1\r\n") }
            var statuses: [Int] = []
            for round in 0..<3 {
                for client in slow { try? client.send("X-Slow-\(round): 1\r\n") }
                statuses.append(try HTTPTestClient(port: port).request("/health").status)
                statuses.append(try HTTPTestClient(port: port).request("/metrics").status)
            }
            let closed = slow.filter { (try? $0.closedByServer()) == true }.count
            return (statuses, closed)
        }
        #expect(outcome.0 == [200, 200, 200, 200, 200, 200], "\(outcome.0)")
        #expect(outcome.1 >= 4, "slow clients gave their places up: \(outcome.1) closed")
    }

    @Test func connectionsAnsweringRequestsKeepTheirPlaces() async throws {
        let entered = Locked(0)
        let released = Locked(false)
        let server = try serve(.init(maxConnections: 2, responseTimeout: .seconds(30))) {
            entered.withLock { $0 += 1 }
            // Bounded: the test releases it, or it gives up.
            for _ in 0..<2000 where !released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
            return .ready
        }
        defer { server.stop() }
        let port = server.port
        let outcome = try await onThread {
            let first = try HTTPTestClient(port: port)
            let second = try HTTPTestClient(port: port)
            try first.send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n")
            try second.send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n")
            for _ in 0..<2000 where entered.withLock({ $0 }) < 2 { Thread.sleep(forTimeInterval: 0.01) }
            let third = try HTTPTestClient(port: port).readResponse().status
            released.withLock { $0 = true }
            return (third, try first.readResponse().status, try second.readResponse().status)
        }
        #expect(outcome.0 == 503, "every place is answering: turned away")
        #expect(outcome.1 == 200 && outcome.2 == 200)
    }
}

/// `/health` is the watchdog's: 503 with its reasons while something is stuck.
@Suite("MetricsServer health")
struct MetricsServerHealthTests {
    @Test func healthTurnsUnhealthyWhileTheWatchdogHasAReason() async throws {
        let stuck = Locked(false)
        let server = try MetricsServer(
            address: ListenAddress(host: "127.0.0.1", port: 0), registry: MetricsRegistry(),
            health: { stuck.withLock { $0 } ? .notReady("pipeline 'p': storage has made no progress for 301s") : .ready })
        defer { server.stop() }
        let port = server.port
        let before = try await onThread { try HTTPTestClient(port: port).request("/health") }
        stuck.withLock { $0 = true }
        let during = try await onThread { try HTTPTestClient(port: port).request("/health") }
        #expect(before.status == 200 && before.body == "ok\n")
        #expect(during.status == 503)
        #expect(during.body == "pipeline 'p': storage has made no progress for 301s\n")
    }
}
