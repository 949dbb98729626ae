import CollectorScripting
import CollectorSources
import CollectorStorage
import Collectors
import Foundation

/// Hot reload under full load: the generator as fast as it goes, the
/// canonical processing rules in a Lua processor file (each version stamps
/// its records), a null backend. Two figures: how long from saving the file
/// until the new version takes over, and the throughput with one reload per
/// second against none.
func runReloadBenchmark(seconds: Int) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collector-bench-reload-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("stamp.lua").path

    for batchSize in [500, 50] {
        let run = try await ReloadRun(file: file, batchSize: batchSize)
        try await Task.sleep(for: .seconds(2))  // warm up
        var swapped: [Double] = []
        var released: [Double] = []
        for _ in 1...10 {
            let saved = Date()
            let version = try run.saveNextVersion()
            try await run.waitForRecords(of: version)
            swapped.append(run.swapTime(of: version).timeIntervalSince(saved) * 1000)
            released.append(run.firstRecordTime(of: version).timeIntervalSince(saved) * 1000)
            try await Task.sleep(for: .milliseconds(500))
        }
        // The same without the watcher: what loading, testing and the wait for the batch in flight take.
        var direct: [Double] = []
        for version in 1000..<1010 {
            let start = ContinuousClock.now
            await run.processor.reload(source: ReloadRun.source(version))
            direct.append(Double((ContinuousClock.now - start) / .microseconds(1)) / 1000)
        }
        await run.stop()
        print("batch_size \(batchSize): save -> swapped in: \(summary(swapped)); save -> first record of the new version out of the processor: \(summary(released)); reload() alone: \(summary(direct))")
    }

    // Wall-clock rates swing with whatever else the machine runs; the CPU time this
    // process spends per record is the steadier measure of what reloading costs.
    var idle: [Double] = []
    var reloading: [Double] = []
    var idleCPU: [Double] = []
    var reloadingCPU: [Double] = []
    for round in 1...5 {
        for reload in [false, true] {
            let run = try await ReloadRun(file: file, batchSize: 500)
            try await Task.sleep(for: .seconds(2))
            let start = await run.processed
            let cpu = processorTime()
            let began = ContinuousClock.now
            while ContinuousClock.now - began < .seconds(seconds) {
                try await Task.sleep(for: .seconds(1))
                if reload { _ = try run.saveNextVersion() }
            }
            let count = Double(await run.processed - start)
            let perRecord = (processorTime() - cpu) / count * 1e6
            let rate = count / Double(seconds)
            await run.stop()
            if reload { reloading.append(rate); reloadingCPU.append(perRecord) } else { idle.append(rate); idleCPU.append(perRecord) }
            print("round \(round), \(reload ? "1 reload/s" : "no reload "): \(Int(rate)) records/s, \(String(format: "%.2f", perRecord)) µs CPU per record")
        }
    }
    let best = (idle.max()!, reloading.max()!)
    print(
        "throughput, best of 5 (\(seconds) s each): no reload \(Int(best.0)) records/s, 1 reload/s \(Int(best.1)) records/s (\(String(format: "%+.1f", (best.1 / best.0 - 1) * 100)) %); reloads: \(ReloadRun.reloads.withLock { $0 })"
    )
    let cpu = (median(idleCPU), median(reloadingCPU))
    print(
        "CPU per record, median of 5: no reload \(String(format: "%.2f", cpu.0)) µs, 1 reload/s \(String(format: "%.2f", cpu.1)) µs (\(String(format: "%+.1f", (cpu.1 / cpu.0 - 1) * 100)) %)"
    )
}

private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// User and system CPU seconds this process has used.
private func processorTime() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

private func summary(_ milliseconds: [Double]) -> String {
    let sorted = milliseconds.sorted()
    return String(format: "median %.0f ms, min %.0f, max %.0f", sorted[sorted.count / 2], sorted.first!, sorted.last!)
}

/// One pipeline under load, with a watcher on its processor file.
private final class ReloadRun: Sendable {
    /// Reloads that succeeded across all runs, for the report.
    static let reloads = Locked(0)

    let file: String
    let processor: LuaProcessor
    let pipeline: Pipeline
    let watcher: ProcessorWatcher
    let task: Task<PipelineReport, Never>
    private let events = EventBus()
    /// The last version saved; when each version was swapped in and first seen (by the benchmark's version number).
    private let state = Locked<(version: Int, swapped: [Int: Date], seen: [Int: Date])>((0, [:], [:]))

    init(file: String, batchSize: Int) async throws {
        self.file = file
        try Self.source(0).write(toFile: file, atomically: true, encoding: .utf8)
        processor = try await LuaProcessor.load(file: file)
        processor.reloads.log(to: nil)
        processor.reloads.report(to: events)
        let state = self.state
        events.subscribe(to: .reloadSucceeded) { event in
            // The processor numbers versions from 1 (the first load, our version 0), one more per reload.
            guard let number = event.data["version"]?.intValue else { return }
            state.withLock { $0.swapped[Int(number) - 1] = event.timestamp }
            ReloadRun.reloads.withLock { $0 += 1 }
        }
        watcher = try ProcessorWatcher(processors: [processor])
        let source = GeneratorSource(id: "generator", options: .init(recordsPerItem: 100))
        let observer = StampObserver { version, at in
            state.withLock { s in if s.seen[version] == nil { s.seen[version] = at } }
        }
        pipeline = try Pipeline(
            name: "reload", sources: [source], mode: .stream, processors: [processor, observer],
            backends: [NullStorage(id: "null")], configuration: PipelineConfiguration(batchSize: batchSize))
        let pipeline = self.pipeline
        task = Task { await pipeline.run() }
    }

    /// Saves the next version the way editors do (write beside, rename); returns its number.
    func saveNextVersion() throws -> Int {
        let version = state.withLock { s -> Int in
            s.version += 1
            return s.version
        }
        let temporary = file + ".swp"
        try Self.source(version).write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, file) == 0 else { throw POSIXError(.EIO) }
        return version
    }

    func waitForRecords(of version: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while state.withLock({ $0.seen[version] == nil }) {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    func swapTime(of version: Int) -> Date { state.withLock { $0.swapped[version] } ?? .distantFuture }

    func firstRecordTime(of version: Int) -> Date { state.withLock { $0.seen[version] } ?? .distantFuture }

    /// Records the processors are done with (counted when their batch ends).
    var processed: Int {
        get async {
            let done = await pipeline.processing.statistics
            return done.output + done.dropped + done.failed
        }
    }

    /// Stops the watcher and the pipeline (which drains).
    func stop() async {
        watcher.stop()
        await pipeline.stop()
        _ = await task.value
        await events.close()
    }

    /// Version `n` of the processor: the canonical rules, a stamp, and inline tests (run before each swap).
    static func source(_ version: Int) -> String {
        """
        -- reload benchmark, version \(version)
        local floor = math.floor
        local M = {}
        M.tests = {
          { input = { sensor_id = "s", ts = 1, value = 40.0, unit = "C" },
            output = { sensor_id = "s", ts = 1, value = 104.0, unit = "F", severity = "high", v = \(version) } },
          { input = { sensor_id = "s", ts = 1, value = "n/a" }, dropped = true },
        }
        function M.process(r)
          local value = r.value
          if r.sensor_id == nil or r.ts == nil or type(value) ~= "number" then return nil end
          if r.unit == "C" then value = value * 9 / 5 + 32; r.unit = "F" end
          r.severity = value > 90 and "high" or "normal"
          r.value = floor(value * 100 + 0.5) / 100
          r.v = \(version)
          return r
        end
        return M
        """
    }
}

/// Notes when records of each version first come out of the Lua processor.
private struct StampObserver: Processor {
    let name = "observer"
    let seen: @Sendable (Int, Date) -> Void

    func process(_ record: Record) async throws -> ProcessingResult { .success(record) }

    func process(batch records: [Record]) async -> [ProcessingResult] {
        let now = Date()
        if let version = records.first?.value["v"]?.intValue { seen(Int(version), now) }
        if let version = records.last?.value["v"]?.intValue { seen(Int(version), now) }
        return records.map { .success($0) }
    }
}
