// Benchmarks of the native sources. Figures go to docs/performance.md.
//
//   collector-sources-bench file-lines [FILE] [--runs N]   line splitting, and the file source's lines
//   collector-sources-bench generator [N]                  generator records/s
//   collector-sources-bench websocket PORT [N]             messages/s from `Tests/Fixtures/ws_fixture.py`'s /flood
//   collector-sources-bench http-poll PORT [SOURCES] [SECONDS]  CPU share of SOURCES sources polling every second
//   collector-sources-bench http-fast PORT [N]             requests/s of one source collecting as fast as it can
// (the HTTP modes poll `Tests/Fixtures/http_fixture.py`'s /ok)
import CollectorHTTPSources
import CollectorSources
import CollectorWebSocket
import Collectors
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? "help"

func option(_ name: String, orElse value: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return Int(arguments[index + 1]) ?? value
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Reads the file in 1 MiB chunks and splits it, copying no line: the splitter alone.
func splitOnly(_ path: String) throws -> (lines: Int, bytes: Int) {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileNoSuchFile) }
    defer { try? handle.close() }
    let fd = handle.fileDescriptor
    var splitter = LineSplitter()
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    var lines = 0
    var bytes = 0
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes += n
        chunk.withUnsafeBytes { splitter.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        while case .line = splitter.next() { lines += 1 }
    }
    if splitter.remainder() != nil { lines += 1 }
    return (lines, bytes)
}

/// The whole source: one `CollectedData` per line through `stream()`, consumed
/// off the main actor like a pipeline's consumer.
func throughSource(_ path: String) async throws -> (lines: Int, bytes: Int) {
    let source = FileSource(id: "bench", path: path, options: .init(readChunkSize: 1 << 20))
    try await source.connect()
    var lines = 0
    var bytes = 0
    for try await item in source.stream() {
        lines += 1
        bytes += item.payload.count + 1
    }
    await source.disconnect()
    return (lines, bytes)
}

/// Generator records, consumed off the main actor (top-level code would hop to the main thread per item).
func generate(count: Int, batch: Int) async throws -> (seconds: Double, bytes: Int) {
    let clock = ContinuousClock()
    let source = GeneratorSource(id: "gen", options: .init(count: count, recordsPerItem: batch))
    var bytes = 0
    let start = clock.now
    for try await item in source.stream() { bytes += item.payload.count }
    return (seconds(start.duration(to: clock.now)), bytes)
}

/// Messages from the fixture's /flood until its normal close.
func websocketMessages(port: Int, count: Int) async throws -> (seconds: Double, bytes: Int) {
    let clock = ContinuousClock()
    let source = WebSocketSource(
        id: "ws", url: URL(string: "ws://127.0.0.1:\(port)/flood?count=\(count)")!,
        options: .init(reconnectDelay: .seconds(3600)))
    var bytes = 0
    var received = 0
    let start = clock.now
    try await source.connect()
    for try await item in source.stream() {
        bytes += item.payload.count
        received += 1
        if received == count { break }
    }
    let elapsed = seconds(start.duration(to: clock.now))
    await source.disconnect()
    return (elapsed, bytes)
}

/// CPU seconds (user + system) this process has used so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func value(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return value(usage.ru_utime) + value(usage.ru_stime)
}

/// `sources` HTTP sources polling /ok every second for `duration`: the CPU they cost,
/// and the sources whose polling failed (with the first failure).
func pollingCost(
    port: Int, sources: Int, duration: Duration
) async throws -> (cpu: Double, wall: Double, polls: Int, failed: Int, failure: String?) {
    let url = URL(string: "http://127.0.0.1:\(port)/ok")!
    let all = (0..<sources).map { HTTPSource(id: "poll-\($0)", url: url, options: .init(interval: .seconds(1))) }
    for source in all { try await source.connect() }
    let clock = ContinuousClock()
    let cpuStart = cpuSeconds()
    let start = clock.now
    let outcomes = await withTaskGroup(of: (Int, String?).self) { group in
        for source in all {
            group.addTask {
                var count = 0
                let deadline = start.advanced(by: duration)
                do {
                    for try await _ in source.stream() {
                        count += 1
                        if clock.now >= deadline { break }
                    }
                } catch {
                    return (count, String(describing: error))
                }
                return (count, nil)
            }
        }
        return await group.reduce(into: []) { $0.append($1) }
    }
    let wall = seconds(start.duration(to: clock.now))
    let cpu = cpuSeconds() - cpuStart
    for source in all { await source.disconnect() }
    let failures = outcomes.compactMap(\.1)
    return (cpu, wall, outcomes.map(\.0).reduce(0, +), failures.count, failures.first)
}

/// One source collecting /ok back to back.
func collectAsFastAsPossible(port: Int, count: Int) async throws -> Double {
    let source = HTTPSource(id: "fast", url: URL(string: "http://127.0.0.1:\(port)/ok")!)
    try await source.connect()
    _ = try await source.collect()  // connection set up outside the timing
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<count { _ = try await source.collect() }
    let elapsed = seconds(start.duration(to: clock.now))
    await source.disconnect()
    return elapsed
}

func report(_ name: String, _ runs: [Double], lines: Int, bytes: Int) {
    let t = median(runs)
    let padded = name.padding(toLength: 26, withPad: " ", startingAt: 0)
    print(
        padded
            + String(
                format: " %8.3f s  %9.1f MB/s  %12.0f lines/s  (%d lines, %d bytes, median of %d)",
                t, Double(bytes) / t / 1e6, Double(lines) / t, lines, bytes, runs.count))
}

switch command {
case "file-lines":
    let path = arguments.dropFirst().first { !$0.hasPrefix("--") && Int($0) == nil } ?? "/tmp/readings-1000000.jsonl"
    let runs = option("--runs", orElse: 5)
    let clock = ContinuousClock()
    _ = try splitOnly(path)  // warm the page cache
    var times: [Double] = []
    var result = (lines: 0, bytes: 0)
    for _ in 0..<runs {
        let start = clock.now
        result = try splitOnly(path)
        times.append(seconds(start.duration(to: clock.now)))
    }
    report("split (LineSplitter)", times, lines: result.lines, bytes: result.bytes)
    times = []
    for _ in 0..<runs {
        let start = clock.now
        result = try await throughSource(path)
        times.append(seconds(start.duration(to: clock.now)))
    }
    report("FileSource lines stream", times, lines: result.lines, bytes: result.bytes)
case "generator":
    let count = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
    for batch in [1, 1000] {
        let (t, bytes) = try await generate(count: count, batch: batch)
        report("generator, \(batch) per item", [t], lines: count, bytes: bytes)
    }
case "websocket":
    guard arguments.count > 1, let port = Int(arguments[1]) else {
        print("usage: collector-sources-bench websocket PORT [N]  (start python3 Tests/Fixtures/ws_fixture.py first)")
        break
    }
    let count = arguments.count > 2 ? Int(arguments[2]) ?? 200_000 : 200_000
    let (t, bytes) = try await websocketMessages(port: port, count: count)
    report("websocket messages", [t], lines: count, bytes: bytes)
case "http-poll":
    guard arguments.count > 1, let port = Int(arguments[1]) else {
        print("usage: collector-sources-bench http-poll PORT [SOURCES] [SECONDS]  (start python3 Tests/Fixtures/http_fixture.py first)")
        break
    }
    let sources = arguments.count > 2 ? Int(arguments[2]) ?? 200 : 200
    let window = arguments.count > 3 ? Int(arguments[3]) ?? 10 : 10
    let result = try await pollingCost(port: port, sources: sources, duration: .seconds(window))
    print(String(
        format: "%d sources polling every 1 s for %.1f s: %d polls, %.2f CPU s = %.1f %% of one core",
        sources, result.wall, result.polls, result.cpu, result.cpu / result.wall * 100))
    if let failure = result.failure { print("\(result.failed) sources stopped on an error, the first: \(failure)") }
case "http-fast":
    guard arguments.count > 1, let port = Int(arguments[1]) else {
        print("usage: collector-sources-bench http-fast PORT [N]  (start python3 Tests/Fixtures/http_fixture.py first)")
        break
    }
    let count = arguments.count > 2 ? Int(arguments[2]) ?? 2000 : 2000
    let elapsed = try await collectAsFastAsPossible(port: port, count: count)
    print(String(format: "one source, %d collects back to back: %.0f requests/s (%.2f s)", count, Double(count) / elapsed, elapsed))
default:
    print(
        """
        usage: collector-sources-bench file-lines [FILE] [--runs N]
               collector-sources-bench generator [N]
               collector-sources-bench websocket PORT [N]
               collector-sources-bench http-poll PORT [SOURCES] [SECONDS]
               collector-sources-bench http-fast PORT [N]
        """)
}
