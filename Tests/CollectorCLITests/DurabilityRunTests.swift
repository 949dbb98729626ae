import Foundation
import Testing

/// `collector` running in the background, as a service manager runs it:
/// output to files (a pipe nobody reads would block it), signals by pid.
final class BackgroundCollector {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String

    init(_ arguments: [String], in directory: URL) throws {
        stdoutPath = directory.appendingPathComponent("stdout-\(UUID().uuidString)").path
        stderrPath = directory.appendingPathComponent("stderr-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = Collector.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// The exit status, or nil if it has not exited within `seconds` (a bound against a hang, not a measurement).
    func waitForExit(seconds: Double = 120) -> Int32? {
        let end = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else { return nil }
        return process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}

/// One value from an SQLite database, with the `sqlite3` shell (a test dependency);
/// "" while the database or its table does not exist yet.
func sqliteValue(_ database: String, _ sql: String) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", "-cmd", ".timeout 2000", database, sql]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return "" }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Polls until `condition` holds, up to `seconds` (a bound against a hang).
func waitUntil(seconds: Double = 120, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return condition()
}

/// Another program holding an SQLite database's write lock (a long
/// transaction): the `sqlite3` shell in `BEGIN IMMEDIATE`, until `release()`.
final class SQLiteWriteLock {
    private let process = Process()
    private let input = Pipe()

    init(_ database: String) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", database]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(".timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n".utf8))
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("locked") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw CocoaError(.fileReadUnknown) }
            seen.append(chunk)
        }
    }

    func release() {
        input.fileHandleForWriting.write(Data("ROLLBACK;\n.quit\n".utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// The issue's tests of durable delivery and shutdown, on the real binary,
/// real files and real signals: SIGKILL mid-run, SIGTERM under full load,
/// SIGTERM with a backend that does not answer.
@Suite("collector run: spool, offsets, shutdown", .serialized)
struct DurabilityRunTests {
    static let lines = 100_000

    /// `in.jsonl` with `lines` numbered lines, and a pipeline that follows it into SQLite.
    static func setUp() throws -> (dir: URL, script: String, input: String, db: String) {
        let dir = try PipelineRunTests.directory()
        let input = dir.appendingPathComponent("in.jsonl").path
        var text = ""
        text.reserveCapacity(lines * 60)
        for n in 1...lines { text += "{\"n\":\(n),\"pad\":\"\(String(repeating: "x", count: 40))\"}\n" }
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("out.db").path
        let script = try PipelineRunTests.write("""
            pipeline "tail" {
              from = source.follow { path = "\(input)", position_file = "\(dir.path)/in.position", poll = "50ms" },
              to = storage.sqlite { id = "db", path = "\(db)" },
              spool = "\(dir.path)/spool.db",
              batch_size = 200,
            }
            """, "tail.lua", in: dir)
        return (dir, script, input, db)
    }

    static func rows(_ db: String) -> Int { Int(sqliteValue(db, "SELECT count(*) FROM records")) ?? 0 }

    /// Every line is in the table once: as many rows as lines, as many distinct numbers, 1 to `lines`.
    static func expectEveryLineOnce(_ db: String) {
        #expect(sqliteValue(db, "SELECT count(*), count(DISTINCT json_extract(data, '$.n')) FROM records") == "\(lines)|\(lines)")
        #expect(sqliteValue(db, "SELECT min(json_extract(data, '$.n')), max(json_extract(data, '$.n')) FROM records") == "1|\(lines)")
    }

    @Test func killedMidRunAndStartedAgainItLosesAndRepeatsNothing() throws {
        let (dir, script, input, db) = try Self.setUp()
        let first = try BackgroundCollector(["run", script, "--quiet"], in: dir)
        #expect(waitUntil { Self.rows(db) > 10_000 }, "the first run stores records")
        first.signal(SIGKILL)
        #expect(first.waitForExit() == -SIGKILL)
        // The saved position is never ahead of what storage acknowledged.
        let stored = Self.rows(db)
        let position = (try? String(contentsOfFile: dir.appendingPathComponent("in.position").path, encoding: .utf8)) ?? "{}"
        let offset = Int(position.split(separator: "\"offset\":").last?.prefix { $0.isNumber } ?? "") ?? 0
        let linesBefore = try Data(contentsOf: URL(fileURLWithPath: input)).prefix(offset).filter { $0 == 0x0A }.count
        #expect(linesBefore <= stored, "position after line \(linesBefore), \(stored) rows stored")
        #expect(stored < Self.lines, "killed mid-run")

        let second = try BackgroundCollector(["run", script, "--quiet"], in: dir)
        #expect(waitUntil { Self.rows(db) >= Self.lines }, "the second run catches up")
        second.signal(SIGTERM)
        #expect(second.waitForExit() == 0, "\(second.stderr)")
        Self.expectEveryLineOnce(db)
        #expect(second.stdout.contains("pipeline tail: "), "\(second.stdout)")
    }

    @Test func sigtermUnderFullLoadDrainsEverythingAndExitsZero() throws {
        let dir = try PipelineRunTests.directory()
        let db = dir.appendingPathComponent("out.db").path
        let script = try PipelineRunTests.write("""
            pipeline "load" {
              from = source.generator {},
              process = { function(r) r.seen = true return r end },
              to = storage.sqlite { id = "db", path = "\(db)" },
            }
            """, "load.lua", in: dir)
        let run = try BackgroundCollector(["run", script, "--quiet", "--drain-timeout", "20s"], in: dir)
        #expect(waitUntil { (Int(sqliteValue(db, "SELECT count(*) FROM records")) ?? 0) > 20_000 })
        run.signal(SIGTERM)
        #expect(run.waitForExit() == 0, "\(run.stderr)")
        let summary = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        try #require(numbers.count >= 5, "\(summary)")
        let output = numbers[1]
        #expect(summary.hasSuffix("stored db=\(output)"), "everything processed was stored: \(summary)")
        #expect(sqliteValue(db, "SELECT count(*) FROM records") == "\(output)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("load.spool.db").path), "no spool was needed")
    }

    @Test func pastTheDrainDeadlineRecordsWaitInTheSpoolAndTheNextRunStoresThem() throws {
        let (dir, script, _, db) = try Self.setUp()
        let first = try BackgroundCollector(["run", script, "--quiet", "--drain-timeout", "1s", "--log-format", "json"], in: dir)
        #expect(waitUntil { Self.rows(db) > 5_000 })
        // Another program takes the database's write lock: the collector's writes hang in SQLite's busy wait.
        let lock = try SQLiteWriteLock(db)
        first.signal(SIGTERM)
        let status = first.waitForExit()
        lock.release()
        #expect(status == 3, "records left in the spool: \(first.stderr)")
        // The line that explains status 3 is a log line in the chosen format, like every other.
        let spoolLine = first.stderr.split(separator: "\n").lazy
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .first { ($0["msg"] as? String)?.contains("records are in the spool \(dir.path)/spool.db") == true }
        #expect(spoolLine?["level"] as? String == "warn", "\(first.stderr)")
        #expect(first.stdout.contains("the drain deadline passed"), "\(first.stdout)")
        let spooled = Int(sqliteValue(dir.appendingPathComponent("spool.db").path, "SELECT count(*) FROM collector_spool")) ?? 0
        #expect(spooled > 0)

        let second = try BackgroundCollector(["run", script, "--quiet"], in: dir)
        #expect(waitUntil { Self.rows(db) >= Self.lines })
        second.signal(SIGTERM)
        #expect(second.waitForExit() == 0, "\(second.stderr)")
        Self.expectEveryLineOnce(db)
        #expect(sqliteValue(dir.appendingPathComponent("spool.db").path, "SELECT count(*) FROM collector_spool") == "0")
        #expect(second.stdout.contains("replayed "), "\(second.stdout)")
    }

    @Test func badDrainTimeoutsAndSpoolOptionsAreUsageErrors() throws {
        let script = try Collector.script("print('never')")
        let usage = try Collector.run(["run", script, "--drain-timeout", "soon"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--drain-timeout must be a duration such as 30s, 500ms or 2m, got 'soon'"), "\(usage.stderr)")
        let option = try Collector.run(["check", try Collector.script("""
            pipeline "p" { from = source.generator { count = 1 }, to = storage.null {}, spool = 5 }
            """)])
        #expect(option.status == 2)
        #expect(option.stderr.contains("option 'spool' must be a path, a table { path =, max_size = } or false, got number"), "\(option.stderr)")
        let off = try Collector.run(["run", try Collector.script("""
            pipeline "p" { from = source.generator { count = 3 }, to = storage.null {}, spool = false }
            print(run().p.in_spool)
            """)])
        #expect(off.status == 0, "\(off.stderr)")
        #expect(off.stdout.hasPrefix("0\n"), "\(off.stdout)")
    }
}
