import CollectorPostgres
import CollectorSQLite
import CollectorStorage
import CollectorValues
import Foundation

/// PostgreSQL insert rates: `PostgresStorage.store(batch:)` of the same rows
/// into a document table and a typed `readings` table, by `COPY` and by
/// `INSERT` at the default rows per statement, 100 and 1, all rows in one
/// batch; then `COPY` and `INSERT` in batches of 500 (the pipeline's default
/// batch size); side by side with `psql \copy` of those rows (from a CSV
/// file) into a table of the same definition. Each method runs once into a
/// fresh table, which is dropped after.
func runPostgresBenchmark(url: String?, count: Int) async throws {
    guard let url = url ?? ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
        throw BenchmarkError(message: "no PostgreSQL URL: pass one or set DATABASE_URL (postgresql://user:password@host:port/database)")
    }
    let rows = readingRecords(count).map(\.value)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("collector-bench-postgres-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    let runs = postgresRuns(count: count)
    // The typed layout is the canonical workload's `readings` table, as the SQLite benchmark has it.
    let layouts: [(name: String, layout: TableLayout)] = [("document (jsonb)", .document), ("typed readings", SQLiteOptions.readings.layout)]
    let prefix = "collector_bench_\(getpid())"
    var tables: [String] = []
    defer {
        if !tables.isEmpty { _ = try? runPSQL(url: url, ["-c", "DROP TABLE IF EXISTS \(tables.joined(separator: ", "))"]) }
    }
    let probe = try PostgresStorage(id: "bench", url: url)
    let version = try runPSQL(url: url, ["-A", "-t", "-c", "SHOW server_version"]).trimmingCharacters(in: .whitespacesAndNewlines)
    print("rows: \(count) (the canonical workload's shape, 7 fields); PostgreSQL \(version) at \(probe.redactedURL)")

    for (layoutIndex, (name, layout)) in layouts.enumerated() {
        // psql \copy first: a table of the backend's own definition (made by connecting), filled from CSV.
        let csv = directory.appendingPathComponent("rows-\(layoutIndex).csv")
        try Data(try csvRows(rows, layout: layout).utf8).write(to: csv)
        let copyTable = "\(prefix)_\(layoutIndex)_copy"
        tables.append(copyTable)
        let made = try PostgresStorage(id: "bench", url: url, options: PostgresOptions(table: copyTable, layout: layout))
        try await made.connect()
        await made.disconnect()
        let columns: [String]
        switch layout {
        case .document: columns = ["location_id", "data"]
        case .columns(let list): columns = ["location_id"] + list.map(\.name)
        }
        let copySeconds = try await timed {
            _ = try runPSQL(url: url, ["-c", "\\copy \(copyTable) (\(columns.joined(separator: ", "))) FROM '\(csv.path)' WITH (FORMAT csv)"])
        }
        try checkCount(url: url, table: copyTable, count)
        let copyRate = Double(count) / copySeconds

        print("")
        print(name)
        for run in runs {
            let table = "\(prefix)_\(layoutIndex)_\(run.tableSuffix)"
            tables.append(table)
            let storage = try PostgresStorage(
                id: "bench", url: url,
                options: PostgresOptions(table: table, layout: layout, rowsPerStatement: run.rowsPerStatement, batchMethod: run.method))
            try await storage.connect()
            let seconds = try await timed {
                if run.batchSize >= rows.count {
                    _ = try await storage.store(batch: rows)
                    return
                }
                var start = 0
                while start < rows.count {
                    let end = min(start + run.batchSize, rows.count)
                    _ = try await storage.store(batch: Array(rows[start..<end]))
                    start = end
                }
            }
            await storage.disconnect()
            try checkCount(url: url, table: table, count)
            let rate = Double(count) / seconds
            printLine("  PostgresStorage, \(run.label)", rate: rate, seconds: seconds, note: "\(formatNumber(rate / copyRate * 100)) % of \\copy")
        }
        printLine("  psql \\copy (CSV), same rows", rate: copyRate, seconds: copySeconds, note: "")
    }
}

/// One way of storing the rows: a batch method, rows per `INSERT`, and how
/// many rows each `store(batch:)` gets (all of them, or the pipeline's
/// default batch size).
private struct PostgresRun {
    let method: PostgresBatchMethod
    let rowsPerStatement: Int
    let batchSize: Int
    let label: String
    let tableSuffix: String
}

private func postgresRuns(count: Int) -> [PostgresRun] {
    let defaults = PostgresOptions()
    let pipelineBatch = 500
    func label(_ method: PostgresBatchMethod, rows: Int, batch: Int) -> String {
        var text = method == .copy ? "COPY" : rows == 1 ? "INSERT, 1 row a statement" : "INSERT, \(rows) rows a statement"
        text += batch >= count ? ", one batch" : ", batches of \(batch)"
        if method == defaults.batchMethod && (method == .copy || rows == defaults.rowsPerStatement) && batch >= count { text += " (the default)" }
        return text
    }
    var runs: [PostgresRun] = []
    for (method, rows, batch) in [
        (PostgresBatchMethod.copy, defaults.rowsPerStatement, count), (.insert, defaults.rowsPerStatement, count), (.insert, 100, count),
        (.insert, 1, count), (.copy, defaults.rowsPerStatement, pipelineBatch), (.insert, defaults.rowsPerStatement, pipelineBatch),
    ] {
        runs.append(PostgresRun(
            method: method, rowsPerStatement: rows, batchSize: batch, label: label(method, rows: rows, batch: batch),
            tableSuffix: "\(method.rawValue)_\(rows)_\(min(batch, count))"))
    }
    return runs
}

private func printLine(_ label: String, rate: Double, seconds: Double, note: String) {
    let padded = label.padding(toLength: max(label.count + 2, 66), withPad: " ", startingAt: 0)
    let figures = "\(formatRate(rate)) rows/s (\(formatNumber(seconds)) s)"
    print(note.isEmpty ? padded + figures : padded + figures.padding(toLength: max(figures.count, 28), withPad: " ", startingAt: 0) + note)
}

/// The rows as `psql \copy ... WITH (FORMAT csv)` reads them, a fresh UUID
/// as each row's location id: `location_id,data` for the document layout,
/// `location_id` and one field per column for a typed one (a missing field
/// is an unquoted empty field: NULL).
private func csvRows(_ rows: [DataValue], layout: TableLayout) throws -> String {
    let writer = JSONWriter()
    var out = ""
    for row in rows {
        var fields = [UUID().uuidString.lowercased()]
        switch layout {
        case .document:
            fields.append(csvQuoted(try writer.string(row)))
        case .columns(let columns):
            for column in columns {
                switch row[column.field] {
                case nil, .null?: fields.append("")
                case .string(let text)? where column.kind != .json: fields.append(csvQuoted(text))
                case .integer(let number)? where column.kind != .json: fields.append(String(number))
                case .double(let number)? where column.kind != .json: fields.append("\(number)")
                case .bool(let flag)? where column.kind != .json: fields.append(flag ? "true" : "false")
                case let value?: fields.append(csvQuoted(try writer.string(value)))
                }
            }
        }
        out += fields.joined(separator: ",") + "\n"
    }
    return out
}

private func csvQuoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

private func checkCount(url: String, table: String, _ count: Int) throws {
    let stored = try runPSQL(url: url, ["-A", "-t", "-c", "SELECT count(*) FROM \(table)"])
    guard Int(stored.trimmingCharacters(in: .whitespacesAndNewlines)) == count else {
        throw BenchmarkError(message: "\(table) holds \(stored.trimmingCharacters(in: .whitespacesAndNewlines)) rows, not \(count)")
    }
}

/// Runs `psql URL ARGUMENTS...` (stopping at the first error); returns its output.
private func runPSQL(url: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1"] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read before waiting: a full pipe would block psql.
    let text = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchmarkError(
            message: "psql \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): "
                + String(decoding: errorText, as: UTF8.self))
    }
    return String(decoding: text, as: UTF8.self)
}
