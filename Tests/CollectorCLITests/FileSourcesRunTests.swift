import Foundation
import Testing

/// `source.file` and `source.follow` with patterns, gzip files and
/// multiline records, through the built binary.
@Suite("collector run: file patterns, gzip, multiline", .serialized)
struct FileSourcesRunTests {
    static func gzip(_ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-n", path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func followingAPatternKilledAndStartedAgainStoresEveryLineOfEveryFileOnce() throws {
        let dir = try PipelineRunTests.directory()
        let logs = dir.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let perFile = 20_000
        for name in ["a", "b", "c"] {
            let text = (1...perFile).map { "{\"f\":\"\(name)\",\"n\":\($0)}\n" }.joined()
            try text.write(toFile: logs.appendingPathComponent("\(name).log").path, atomically: true, encoding: .utf8)
        }
        // A rotated generation, compressed: read once.
        let old = logs.appendingPathComponent("a.log.1").path
        try (1...100).map { "{\"f\":\"old\",\"n\":\($0)}\n" }.joined().write(toFile: old, atomically: true, encoding: .utf8)
        try Self.gzip(old)
        let db = dir.appendingPathComponent("out.db").path
        let script = try PipelineRunTests.write("""
            pipeline "logs" {
              from = source.follow { path = "\(logs.path)/*.log*", position_file = "\(dir.path)/logs.position", poll = "50ms" },
              to = storage.sqlite { id = "db", path = "\(db)" },
              spool = "\(dir.path)/spool.db",
              batch_size = 200,
            }
            """, "logs.lua", in: dir)
        let rows = { Int(sqliteValue(db, "SELECT count(*) FROM records")) ?? 0 }
        let total = 3 * perFile + 100

        let first = try BackgroundCollector(["run", script, "--quiet"], in: dir)
        #expect(waitUntil { rows() > 5_000 }, "the first run stores records")
        first.signal(SIGKILL)
        #expect(first.waitForExit() == -SIGKILL)
        #expect(rows() < total, "killed mid-run")
        let saved = try String(contentsOfFile: dir.appendingPathComponent("logs.position").path, encoding: .utf8)
        #expect(saved.contains("\"files\":["), "one entry per file: \(saved)")

        // A file that comes to match while the second run goes on.
        let second = try BackgroundCollector(["run", script, "--quiet"], in: dir)
        try "{\"f\":\"d\",\"n\":1}\n".write(toFile: logs.appendingPathComponent("d.log").path, atomically: true, encoding: .utf8)
        #expect(waitUntil { rows() >= total + 1 }, "the second run catches up and picks up d.log")
        second.signal(SIGTERM)
        #expect(second.waitForExit() == 0, "\(second.stderr)")
        let counts = sqliteValue(
            db, "SELECT json_extract(data, '$.f'), count(*), count(DISTINCT json_extract(data, '$.n')) FROM records GROUP BY 1 ORDER BY 1")
        #expect(counts == "a|\(perFile)|\(perFile)\nb|\(perFile)|\(perFile)\nc|\(perFile)|\(perFile)\nd|1|1\nold|100|100", "\(counts)")
    }

    @Test func aPatternReadOnceWithACorruptGzipFileDeadLettersItByNameAndOffset() throws {
        let dir = try PipelineRunTests.directory()
        try "{\"n\":1}\n{\"n\":2}\n".write(toFile: dir.appendingPathComponent("a.jsonl").path, atomically: true, encoding: .utf8)
        let zipped = dir.appendingPathComponent("b.jsonl").path
        try (3...5000).map { "{\"n\":\($0)}\n" }.joined().write(toFile: zipped, atomically: true, encoding: .utf8)
        try Self.gzip(zipped)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: zipped + ".gz")))
        bytes.removeLast(20)  // cut short
        try Data(bytes).write(to: URL(fileURLWithPath: zipped + ".gz"))
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(dir.path)/*.jsonl*" },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "p.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--once"])
        let stored = try PipelineRunTests.lines(out)
        #expect(stored.first == "{\"n\":1}" || stored.first?.contains("\"n\":1") == true, "\(stored.prefix(2))")
        #expect(stored.count > 4000, "the lines before the fault are stored: \(stored.count)")
        let letters = try PipelineRunTests.lines(dead)
        #expect(letters.count >= 1)
        #expect(letters.last?.contains("b.jsonl.gz") == true, "\(letters.last ?? "")")
        #expect(letters.last?.contains("corrupt_gzip") == true, "\(letters.last ?? "")")
        #expect(outcome.stdout.contains("dead letters"), "\(outcome.stdout)")
    }

    @Test func multilineRecordsOfATextLog() throws {
        let dir = try PipelineRunTests.directory()
        let log = try PipelineRunTests.write(
            "2024-05-01 ERROR boom\n  at one\n  at two\n2024-05-01 INFO ok\n", "app.log", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(log)", format = "text", multiline = { start = "^%d%d%d%d%-%d%d%-%d%d " } },
              to = storage.jsonl { path = "\(out)" },
            }
            """, "p.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--once"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let stored = try PipelineRunTests.lines(out)
        #expect(stored.count == 2, "\(stored)")
        #expect(stored.first?.contains(#"2024-05-01 ERROR boom\n  at one\n  at two"#) == true, "\(stored)")
    }

    @Test func badFileSourceOptionsAreClearErrorsAtTheirLine() throws {
        let dir = try PipelineRunTests.directory()
        let cases: [(String, String)] = [
            ("source.file { path = 'x', multiline = { start = '^%b()' } }", ":1: source.file: option 'multiline': 'start': \"^%b()\": '%b' has no counterpart"),
            ("\nsource.follow { path = 'x', multiline = { start = '[%d' } }", ":2: source.follow: option 'multiline': 'start': \"[%d\": a set ('[') is not closed"),
            ("source.file { path = 'x', multiline = { begin = 'a' } }", ":1: source.file: option 'multiline': unknown key 'begin'"),
            ("source.file { path = 'x', multiline = {} }", ":1: source.file: option 'multiline' needs 'start' or 'continue'"),
            ("source.file { path = 'x', multiline = { start = 'a', continue = 'b' } }", ":1: source.file: option 'multiline' takes 'start' or 'continue', not both"),
            ("source.file { path = 'x', multiline = { start = 'a', max_lines = 0 } }", ":1: source.file: option 'multiline': 'max_lines' must be"),
            ("source.follow { path = 'x', multiline = { start = 'a', timeout = 'soon' } }", ":1: source.follow: option 'multiline': 'timeout' must be"),
            ("source.file { path = 'x', mode = 'whole', multiline = { start = 'a' } }", ":1: source.file: option 'multiline' needs mode = \"lines\""),
            ("source.file { path = 'x', multiline = 'a' }", ":1: source.file: option 'multiline' must be"),
            ("source.follow { path = 'x', multiline = { start = 'a', timeout = 1e300 } }", ":1: source.follow: option 'multiline': 'timeout' must be"),
            ("source.file { path = 'x', multiline = { start = 'a', max_bytes = 2^62 } }", ":1: source.file: option 'multiline': 'max_bytes' must be"),
        ]
        for (index, (source, expected)) in cases.enumerated() {
            let script = try PipelineRunTests.write(source, "case\(index).lua", in: dir)
            let outcome = try Collector.run(["check", script])
            #expect(outcome.status == 2, "\(source)")
            #expect(outcome.stderr.contains("case\(index).lua" + expected), "\(outcome.stderr)")
        }
    }

    @Test func aPatternThatMatchesNothingFailsTheFileSourceAndIsWaitedForByFollow() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            pipeline "p" { from = source.file { path = "\(dir.path)/none/*.log" }, to = storage.null {} }
            """, "p.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--once"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("no file matches '\(dir.path)/none/*.log'") || outcome.stdout.contains("no file matches"), "\(outcome.stderr)")

        let out = dir.appendingPathComponent("out.jsonl").path
        let follow = try PipelineRunTests.write("""
            pipeline "p" { from = source.follow { path = "\(dir.path)/later/*.log", poll = "50ms" }, to = storage.jsonl { path = "\(out)" } }
            """, "f.lua", in: dir)
        let running = try BackgroundCollector(["run", follow], in: dir)
        #expect(waitUntil { running.stderr.contains("no file matches '\(dir.path)/later/*.log' yet") }, "\(running.stderr)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("later"), withIntermediateDirectories: true)
        try "{\"late\":true}\n".write(toFile: dir.appendingPathComponent("later/x.log").path, atomically: true, encoding: .utf8)
        #expect(waitUntil { ((try? PipelineRunTests.lines(out)) ?? []).count == 1 }, "the file is picked up")
        running.signal(SIGTERM)
        #expect(running.waitForExit() == 0, "\(running.stderr)")
    }
}
