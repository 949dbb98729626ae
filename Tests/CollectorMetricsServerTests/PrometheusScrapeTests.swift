import CollectorMetricsServer
import CollectorValues
import Collectors
import Foundation
import Testing

/// A real Prometheus server (Debian's `prometheus`) scrapes our server on
/// loopback; the series is read back from its query API.
@Suite("Prometheus scrapes the collector", .timeLimit(.minutes(3)))
struct PrometheusScrapeTests {
    @Test(.enabled(if: ExternalTools.find("prometheus") != nil, "prometheus is not installed (Debian package prometheus)"))
    func prometheusScrapesAndReturnsTheSeries() async throws {
        let directory = try TemporaryDirectory()
        let run = try await MeasuredPipelineRun.run(in: directory)
        // A value set only at scrape time, to see the hooks work through a real scrape.
        let engine = try EngineMetrics(registry: run.registry)
        let memory = try engine.luaMemory.labels("reject_seventh", "0")
        run.registry.onScrape { memory.set(65_536) }
        let server = try MetricsServer(address: ListenAddress(host: "127.0.0.1", port: 0), registry: run.registry)
        defer { server.stop() }

        let prometheus = try PrometheusProcess(scraping: server.port, in: directory)
        defer { prometheus.stop() }
        try await prometheus.waitUntilTargetIsUp()

        let stored = try await prometheus.query(
            "collector_backend_records_stored_total{pipeline=\"sensors\",backend=\"db\"}")
        #expect(stored == Double(MeasuredPipelineRun.expectedStored))
        #expect(stored == Double(run.report.storage.stored["db"] ?? -1))
        let memoryRead = try await prometheus.query("collector_lua_memory_bytes{processor=\"reject_seventh\"}")
        #expect(memoryRead == 65_536)
    }
}

/// `prometheus` on a free loopback port with a throwaway configuration and
/// data directory, scraping one target every second. `stop()` (also run on
/// release) ends it: SIGTERM, then SIGKILL if it lingers.
final class PrometheusProcess: @unchecked Sendable {
    // @unchecked: `process` is only started in `init` and stopped in `stop()`.
    let port: Int
    private let process = Process()
    private let log: String
    private var stopped = false

    init(scraping target: Int, in directory: TemporaryDirectory) throws {
        let executable = try #require(ExternalTools.find("prometheus"))
        port = try ExternalTools.freePort()
        let config = directory.file("prometheus.yml")
        try """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
        scrape_configs:
          - job_name: collector
            static_configs:
              - targets: ["127.0.0.1:\(target)"]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        log = directory.file("prometheus.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--config.file=\(config)", "--storage.tsdb.path=\(directory.file("data"))",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit { stop() }

    /// Stops Prometheus (SIGTERM, SIGKILL after 10 s) and reaps it with
    /// `waitpid`: `isRunning` and `waitUntilExit()` depend on Foundation's
    /// child monitor, which needs a dispatch thread a busy pool may not give.
    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 {
            if ExternalTools.reap(process, options: WNOHANG) != nil { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        kill(process.processIdentifier, SIGKILL)
        ExternalTools.reap(process)
    }

    /// Polls `up{job="collector"}` until it is 1 (bounded: the test fails if it never is).
    func waitUntilTargetIsUp() async throws {
        for _ in 0..<300 {
            guard process.isRunning else {
                throw HTTPTestClient.Failure(description: "prometheus exited: \(logText)")
            }
            if let up = try? await query("up{job=\"collector\"}"), up == 1 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HTTPTestClient.Failure(description: "prometheus never saw the target up; its log: \(logText)")
    }

    /// The value of an instant query that yields one sample.
    func query(_ expression: String) async throws -> Double {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: allowed) ?? expression
        let port = self.port
        let response = try await onThread {
            try HTTPTestClient(port: port).request("/api/v1/query?query=\(encoded)", headers: ["Connection: close"])
        }
        guard response.status == 200 else {
            throw HTTPTestClient.Failure(description: "query \(expression): HTTP \(response.status) \(response.body)")
        }
        // {"status":"success","data":{"resultType":"vector","result":[{"metric":{...},"value":[1700000000.1,"772"]}]}}
        let json = try JSONReader().read(response.body)
        guard case .array(let results)? = json["data"]?["result"], results.count == 1,
            case .array(let pair)? = results[0]["value"], pair.count == 2, let text = pair[1].stringValue,
            let value = Double(text)
        else { throw HTTPTestClient.Failure(description: "query \(expression): unexpected answer \(response.body)") }
        return value
    }

    private var logText: String {
        (try? String(contentsOfFile: log, encoding: .utf8)) ?? "(no log)"
    }
}
