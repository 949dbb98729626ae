import CollectorMetricsServer
import CollectorSQLite
import CollectorStorage
import Collectors
import Foundation
import Testing

/// A real pipeline (generator → processors → SQLite) measured, then its
/// exposition checked by Prometheus's own linter.
@Suite("Pipeline metrics with SQLite", .timeLimit(.minutes(2)))
struct PipelineMetricsWithSQLiteTests {
    @Test func theSeriesSayWhatTheReportAndTheDatabaseSay() async throws {
        let directory = try TemporaryDirectory()
        let run = try await MeasuredPipelineRun.run(in: directory)
        let report = run.report
        #expect(report.status == .completed)
        let stored = MeasuredPipelineRun.expectedStored
        #expect(report.storage.stored["db"] == stored)

        let check = SQLiteStorage(id: "check", path: directory.file("readings.db"))
        try await check.connect()
        let rows = try await check.query(QueryCriteria())
        await check.disconnect()
        #expect(rows.count == stored)

        let sensors = ["pipeline": "sensors"]
        let source = ["pipeline": "sensors", "source": "readings"]
        #expect(run.counter("collector_source_items_total", source) == Double(report.collection.collected))
        #expect(report.collection.collected == MeasuredPipelineRun.records / 50)
        #expect(run.counter("collector_source_bytes_total", source) == Double(report.collection.bytes))
        #expect(run.counter("collector_pipeline_records_in_total", sensors) == Double(report.processing.input))
        #expect(run.counter("collector_pipeline_records_out_total", sensors) == Double(report.processing.output))
        #expect(run.counter("collector_pipeline_records_dropped_total", sensors) == Double(report.processing.dropped))
        #expect(run.counter("collector_pipeline_records_failed_total", sensors) == Double(report.processing.failed))
        #expect(
            run.counter("collector_dead_letters_total", ["pipeline": "sensors", "layer": "processing"])
                == Double(run.deadLetters.letters.count))
        #expect(
            run.counter("collector_processor_records_dropped_total", ["pipeline": "sensors", "processor": "drop_tenth"])
                == Double(MeasuredPipelineRun.records / 10))
        #expect(
            run.counter("collector_processor_records_in_total", ["pipeline": "sensors", "processor": "reject_seventh"])
                == Double(MeasuredPipelineRun.records - MeasuredPipelineRun.records / 10))
        #expect(
            run.counter("collector_backend_records_stored_total", ["pipeline": "sensors", "backend": "db"])
                == Double(stored))
        #expect(run.counter("collector_backend_records_failed_total", ["pipeline": "sensors", "backend": "db"]) == 0)
    }

    @Test(.enabled(if: ExternalTools.find("promtool") != nil, "promtool is not installed (Debian package prometheus)"))
    func promtoolAcceptsTheServedExposition() async throws {
        let directory = try TemporaryDirectory()
        let run = try await MeasuredPipelineRun.run(in: directory)
        // The two families the scripting layer fills, with a value each, so they are checked too.
        let engine = try EngineMetrics(registry: run.registry)
        try engine.processorReloads.labels("drop_tenth", "ok").increment()
        try engine.luaMemory.labels("drop_tenth", "0").set(524_288)
        let server = try MetricsServer(address: ListenAddress(host: "127.0.0.1", port: 0), registry: run.registry)
        defer { server.stop() }
        let port = server.port
        let promtool = try #require(ExternalTools.find("promtool"))
        let (body, outcome) = try await onThread {
            let body = try HTTPTestClient(port: port).request("/metrics").body
            return (body, try ExternalTools.run(promtool, ["check", "metrics"], input: body))
        }
        #expect(body.contains("collector_backend_store_duration_seconds_bucket{pipeline=\"sensors\",backend=\"db\",le=\"+Inf\"}"))
        #expect(body.contains("collector_lua_memory_bytes{processor=\"drop_tenth\",state=\"0\"} 524288\n"))
        #expect(outcome.status == 0, "promtool: \(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.isEmpty && outcome.stderr.isEmpty, "promtool: \(outcome.stdout)\(outcome.stderr)")
    }
}
