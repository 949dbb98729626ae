// Benchmarks of the native sources. Figures go to docs/performance.md.
//
//   collector-sources-bench file-lines [FILE] [--runs N]   line splitting, and the file source's lines
//   collector-sources-bench generator [N]                  generator records/s
//   collector-sources-bench websocket PORT [N]             messages/s from `Tests/Fixtures/ws_fixture.py`'s /flood
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
default:
    print(
        """
        usage: collector-sources-bench file-lines [FILE] [--runs N]
               collector-sources-bench generator [N]
               collector-sources-bench websocket PORT [N]
        """)
}
