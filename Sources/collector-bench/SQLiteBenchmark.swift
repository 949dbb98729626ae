import CollectorSQLite
import CollectorValues
import Foundation

/// SQLite insert of the canonical workload's processed rows, side by side
/// with the `sqlite3` shell's `.import` of the same rows: the ratio is the figure.
func runSQLiteBenchmark(path: String) async throws {
    let rows = try processedReadings(path: path)
    print("rows: \(rows.count) (processed from \(path))")
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("collector-bench-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    // The same rows as CSV for the shell.
    let csv = directory.appendingPathComponent("readings.csv")
    try csvText(rows).write(to: csv, atomically: true, encoding: .utf8)

    var ours: [Double] = []
    var shell: [Double] = []
    for round in 1...3 {
        let database = directory.appendingPathComponent("ours-\(round).db").path
        let storage = SQLiteStorage(id: "bench", path: database, options: .readings)
        let start = ContinuousClock.now
        try await storage.connect()
        _ = try await storage.store(batch: rows)
        await storage.disconnect()
        ours.append(seconds(ContinuousClock.now - start))

        let shellDatabase = directory.appendingPathComponent("shell-\(round).db").path
        let script = """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE readings(sensor_id TEXT NOT NULL, value REAL NOT NULL, unit TEXT, ts INTEGER NOT NULL, site TEXT, severity TEXT NOT NULL, tags TEXT);
            .import --csv \(csv.path) readings
            """
        let shellStart = ContinuousClock.now
        try runSQLiteShell(database: shellDatabase, script: script)
        shell.append(seconds(ContinuousClock.now - shellStart))
    }
    let best = ours.min()!
    let bestShell = shell.min()!
    print("SQLiteStorage.store(batch:), readings table: \(formatRate(Double(rows.count) / best)) rows/s (\(formatNumber(best)) s, best of 3)")
    print("sqlite3 .import --csv, same rows:            \(formatRate(Double(rows.count) / bestShell)) rows/s (\(formatNumber(bestShell)) s, best of 3)")
    print("ours / shell throughput: \(formatNumber(bestShell / best * 100)) %")
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// The canonical processing (shared/bench README): drop invalid records,
/// Celsius to Fahrenheit, severity, rounding.
func processedReadings(path: String) throws -> [DataValue] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let reader = JSONReader()
    var rows: [DataValue] = []
    var lineStart = data.startIndex
    try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<index])
            lineStart = index + 1
            guard case .object(var record) = try reader.read(line) else { continue }
            guard record["sensor_id"] != nil, record["ts"] != nil, var value = record["value"]?.numberValue,
                record["value"]?.stringValue == nil
            else { continue }
            if record["unit"] == "C" {
                value = value * 9 / 5 + 32
                record["unit"] = "F"
            }
            record["severity"] = value > 90 ? "high" : "normal"
            record["value"] = .double((value * 100 + 0.5).rounded(.down) / 100)
            rows.append(.object(record))
        }
    }
    return rows
}

private func csvText(_ rows: [DataValue]) throws -> String {
    let writer = JSONWriter()
    var out = ""
    for row in rows {
        var fields: [String] = []
        for name in ["sensor_id", "value", "unit", "ts", "site", "severity"] {
            switch row[name] {
            case .string(let s)?: fields.append(s)
            case .integer(let i)?: fields.append(String(i))
            case .double(let d)?: fields.append("\(d)")
            default: fields.append("")
            }
        }
        let tags = try row["tags"].map { try writer.string($0) } ?? ""
        fields.append("\"" + tags.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
        out += fields.joined(separator: ",") + "\n"
    }
    return out
}

private func runSQLiteShell(database: String, script: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [database]
    let input = Pipe()
    process.standardInput = input
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    input.fileHandleForWriting.write(Data(script.utf8))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "sqlite3 exited with \(process.terminationStatus)"])
    }
}
