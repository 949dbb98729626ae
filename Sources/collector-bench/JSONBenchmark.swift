#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CollectorValues

/// JSON codec throughput on a JSON-lines file (the canonical workload:
/// `python3 ../shared/bench/gen_data.py 1000000 /tmp/readings-1000000.jsonl`).
///
/// Decode: `JSONReader.read` on every line, each value released right away
/// (as a pipeline would), best of 3 passes. Encode: `JSONWriter.write` of every
/// decoded value into one reused buffer, best of 3 passes. MB are 10^6 bytes:
/// input bytes (without newlines) for decode, output bytes for encode.
func runJSONBenchmark(path: String) throws {
    let data = try readJSONBenchmarkFile(path)
    var lines: [Range<Int>] = []
    var start = 0
    for (i, byte) in data.enumerated() where byte == UInt8(ascii: "\n") {
        if i > start { lines.append(start..<i) }
        start = i + 1
    }
    if data.count > start { lines.append(start..<data.count) }
    let inputBytes = lines.reduce(0) { $0 + $1.count }
    let passes = 3
    let clock = ContinuousClock()
    let reader = JSONReader()
    let writer = JSONWriter()

    // Decode.
    var bestDecode = Duration.seconds(1_000_000)
    var failures = 0
    for _ in 0..<passes {
        var objects = 0
        failures = 0
        let elapsed = clock.measure {
            data.withUnsafeBytes { raw in
                for line in lines {
                    do {
                        if case .object = try reader.read(UnsafeRawBufferPointer(rebasing: raw[line])) { objects += 1 }
                    } catch {
                        failures += 1
                    }
                }
            }
        }
        precondition(objects + failures == lines.count)
        bestDecode = min(bestDecode, elapsed)
    }
    reportJSONThroughput("decode", bytes: inputBytes, records: lines.count, best: bestDecode, passes: passes)
    if failures > 0 { print("  \(failures) lines failed to decode") }

    // The values to encode, decoded once more outside the clock.
    var values: [DataValue] = []
    values.reserveCapacity(lines.count)
    data.withUnsafeBytes { raw in
        for line in lines {
            if let value = try? reader.read(UnsafeRawBufferPointer(rebasing: raw[line])) { values.append(value) }
        }
    }

    // Encode.
    var bestEncode = Duration.seconds(1_000_000)
    var outputBytes = 0
    var buffer: [UInt8] = []
    buffer.reserveCapacity(4096)
    for _ in 0..<passes {
        var bytes = 0
        let elapsed = try clock.measure {
            for value in values {
                buffer.removeAll(keepingCapacity: true)
                try writer.write(value, into: &buffer)
                bytes += buffer.count
            }
        }
        outputBytes = bytes
        bestEncode = min(bestEncode, elapsed)
    }
    reportJSONThroughput("encode", bytes: outputBytes, records: values.count, best: bestEncode, passes: passes)

    // Check: decode → encode gives back the input's bytes (the workload is compact JSON).
    var identical = 0
    data.withUnsafeBytes { raw in
        for (line, value) in zip(lines, values) {
            buffer.removeAll(keepingCapacity: true)
            guard (try? writer.write(value, into: &buffer)) != nil else { continue }
            if buffer.elementsEqual(raw[line]) { identical += 1 }
        }
    }
    print("  re-encoded lines identical to the input: \(identical) of \(lines.count)")
}

private func reportJSONThroughput(_ label: String, bytes: Int, records: Int, best: Duration, passes: Int) {
    let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
    let megabytes = Double(bytes) / 1e6
    print(
        "JSON \(label): \(roundedJSONFigure(megabytes / seconds)) MB/s, "
            + "\(roundedJSONFigure(Double(records) / seconds / 1e6)) M records/s "
            + "(\(records) records, \(roundedJSONFigure(megabytes)) MB in \(roundedJSONFigure(seconds)) s, best of \(passes))"
    )
}

private func roundedJSONFigure(_ value: Double) -> String {
    "\((value * 100).rounded() / 100)"
}

private struct JSONBenchmarkError: Error, CustomStringConvertible {
    let description: String
}

/// The whole file, with the C library (no Foundation here).
private func readJSONBenchmarkFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else {
        throw JSONBenchmarkError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
        if count < chunk.count {
            guard ferror(file) == 0 else {
                throw JSONBenchmarkError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            return bytes
        }
    }
}
