import CollectorMocks
import Collectors
import Testing

@Suite("MetricsRegistry", .timeLimit(.minutes(1)))
struct MetricsRegistryTests {
    @Test func countersGaugesAndHistogramsKeepTheirValues() throws {
        let registry = MetricsRegistry()
        let requests = try registry.counter("app_requests_total", help: "Requests.", labels: ["code"]).labels("200")
        requests.increment()
        requests.increment(by: 41)
        requests.increment(by: -5)
        try requests.add(0.5)
        #expect(requests.value == 42.5)
        #expect(throws: MetricsError.self) { try requests.add(-1) }
        #expect(throws: MetricsError.self) { try requests.add(.nan) }

        let depth = try registry.gauge("app_depth", help: "Depth.").labels()
        depth.set(10)
        depth.add(-2.5)
        depth.increment()
        #expect(depth.value == 8.5)

        let latency = try registry.histogram("app_latency_seconds", help: "Latency.", buckets: [0.1, 1]).labels()
        for value in [0.05, 0.1, 0.5, 3] { latency.observe(value) }
        latency.observe(.milliseconds(250))
        latency.observe(.nan)
        guard case .histogram(let snapshot) = registry.value("app_latency_seconds") else {
            Issue.record("no histogram")
            return
        }
        #expect(snapshot.upperBounds == [0.1, 1])
        #expect(snapshot.cumulativeCounts == [2, 4], "le is inclusive; buckets are cumulative")
        #expect(snapshot.count == 5)
        #expect(snapshot.sum == 0.05 + 0.1 + 0.5 + 3 + 0.25)
    }

    @Test func registeringTheSameFamilyAgainReturnsIt() throws {
        let registry = MetricsRegistry()
        let first = try registry.counter("jobs_total", help: "Jobs.", labels: ["queue"])
        let again = try registry.counter("jobs_total", help: "Other help.", labels: ["queue"])
        #expect(first === again)
        #expect(again.help == "Jobs.")
        let histogram = try registry.histogram("wait_seconds", help: "Wait.", buckets: [1, 2, .infinity])
        #expect(try registry.histogram("wait_seconds", help: "Wait.", buckets: [1, 2]) === histogram)
    }

    @Test func registeringANameInAnotherShapeIsAConflict() throws {
        let registry = MetricsRegistry()
        _ = try registry.counter("jobs_total", help: "Jobs.", labels: ["queue"])
        _ = try registry.histogram("wait_seconds", help: "Wait.", buckets: [1, 2])
        _ = try registry.gauge("latency_sum", help: "A sum.")
        let conflicts: [() throws -> Void] = [
            { _ = try registry.gauge("jobs_total", help: "Jobs.", labels: ["queue"]) },
            { _ = try registry.counter("jobs_total", help: "Jobs.", labels: ["queue", "host"]) },
            { _ = try registry.counter("jobs_total", help: "Jobs.") },
            { _ = try registry.histogram("wait_seconds", help: "Wait.", buckets: [1, 5]) },
            // A histogram's samples are `_bucket`, `_sum` and `_count`: no other family may use them.
            { _ = try registry.counter("wait_seconds_count", help: "Clash.") },
            { _ = try registry.histogram("latency", help: "Clash.") },
        ]
        for attempt in conflicts {
            do {
                try attempt()
                Issue.record("registered a conflicting family")
            } catch {
                #expect((error as? MetricsError)?.kind == .conflict)
            }
        }
        let error = try #require(throws: MetricsError.self) { try registry.gauge("jobs_total", help: "") }
        #expect(error.message == "'jobs_total' is already registered as a counter with labels (queue)")
    }

    @Test func invalidNamesAreRefused() {
        let registry = MetricsRegistry()
        for name in ["", "1st", "with-dash", "with space", "héllo", "a.b"] {
            let error = #expect(throws: MetricsError.self) { try registry.counter(name, help: "") }
            #expect(error?.kind == .invalidName, "\(name)")
        }
        #expect((try? registry.counter("ok:recording_rule_total", help: "")) != nil, "colons are allowed in metric names")
        for labels in [["__reserved"], ["a:b"], ["9"], ["x", "x"], [""]] {
            let error = #expect(throws: MetricsError.self) { try registry.counter("l_total", help: "", labels: labels) }
            #expect(error?.kind == .invalidName, "\(labels)")
        }
        let le = #expect(throws: MetricsError.self) { try registry.histogram("h", help: "", labels: ["le"]) }
        #expect(le?.kind == .invalidName)
        for buckets: [Double] in [[2, 1], [1, 1], [.nan], [-.infinity, 1]] {
            let error = #expect(throws: MetricsError.self) { try registry.histogram("b", help: "", buckets: buckets) }
            #expect(error?.kind == .invalidBuckets, "\(buckets)")
        }
    }

    @Test func labelValuesMustMatchTheLabelNames() throws {
        let registry = MetricsRegistry(maxSeriesPerFamily: 2)
        let family = try registry.counter("hits_total", help: "Hits.", labels: ["path", "method"])
        #expect(throws: MetricsError.self) { try family.labels("/only-one") }
        #expect(throws: MetricsError.self) { try family.labels(["path": "/", "verb": "GET"]) }
        #expect(throws: MetricsError.self) { try family.labels(["path": "/"]) }
        let byName = try family.labels(["method": "GET", "path": "/"])
        #expect(try family.labels("/", "GET") === byName)
        // Any text is a valid label value.
        _ = try family.labels("a \"quoted\"\nline\\", "ü")
        let full = #expect(throws: MetricsError.self) { try family.labels("/third", "GET") }
        #expect(full?.kind == .tooManySeries)
        family.remove(["/", "GET"])
        #expect(registry.value("hits_total", labels: ["path": "/", "method": "GET"]) == nil)
        _ = try family.labels("/third", "GET")
    }

    @Test func concurrentIncrementsAreAllCounted() async throws {
        let registry = MetricsRegistry()
        let family = try registry.counter("events_total", help: "Events.", labels: ["kind"])
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let counter = try? family.labels(task.isMultiple(of: 2) ? "even" : "odd")
                    for _ in 0..<10_000 { counter?.increment() }
                }
            }
        }
        #expect(registry.value("events_total", labels: ["kind": "even"]) == .counter(40_000))
        #expect(registry.value("events_total", labels: ["kind": "odd"]) == .counter(40_000))
    }

    @Test func scrapeHooksSetValuesBeforeRendering() async throws {
        let registry = MetricsRegistry()
        let gauge = try registry.gauge("lua_bytes", help: "Memory.").labels()
        let reads = Locked(0)
        let token = registry.onScrape {
            let n = reads.withLock { n in
                n += 1
                return n
            }
            gauge.set(Double(n * 1000))
        }
        #expect(await registry.scrape().contains("lua_bytes 1000\n"))
        #expect(await registry.scrape().contains("lua_bytes 2000\n"))
        #expect(registry.render().contains("lua_bytes 2000\n"), "render() alone runs no hook")
        registry.removeScrapeHook(token)
        _ = await registry.scrape()
        #expect(reads.withLock { $0 } == 2)
    }

    @Test func aHookThatDoesNotFinishHoldsNoScrapeAndIsNotStartedTwice() async throws {
        let registry = MetricsRegistry()
        let gauge = try registry.gauge("slow_value", help: "Set late.").labels()
        let gate = TestGate()
        registry.onScrape {
            try? await gate.wait()
            gauge.set(7)
        }
        // The hook waits on the gate; each scrape gives up on it and renders what there is.
        #expect(await registry.scrape(hookTimeout: .milliseconds(20)).contains("slow_value 0\n"))
        await gate.waitForArrivals(1)
        #expect(await registry.scrape(hookTimeout: .milliseconds(20)).contains("slow_value 0\n"))
        #expect(gate.arrivals == 1, "the running hook was waited for, not started again")
        gate.open()
        #expect(await registry.scrape(hookTimeout: .seconds(30)).contains("slow_value 7\n"))
    }
}
