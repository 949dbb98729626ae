import Foundation
import Testing

/// Processor state that survives a crash: a followed file, a processor that
/// counts and sums what it sees (and hands every record on), and a resume
/// store. Killed with SIGKILL mid-run and started again, the run ends with
/// the same total as a run that was never interrupted, and every line is
/// stored once.
@Suite("collector run: resume state across a crash", .serialized)
struct ResumeRunTests {
    static let lines = 40_000

    static let counter = """
        local M = { parallel = false }
        local count, sum = 0, 0
        function M.process(r)
          count = count + 1
          sum = sum + r.n
          return r
        end
        function M.shutdown(emit) emit({ kind = "total", count = count, sum = sum }) end
        function M.export_state() return { count = count, sum = sum } end
        function M.migrate(old, ctx)
          if old then count, sum = old.count, old.sum end
        end
        return M
        """

    /// A directory with `in.jsonl` (`lines` numbered lines), the counter and the script.
    static func setUp(resume: String) throws -> (dir: URL, script: String, db: String) {
        let dir = try PipelineRunTests.directory()
        var text = ""
        text.reserveCapacity(lines * 60)
        for n in 1...lines { text += "{\"n\":\(n),\"pad\":\"\(String(repeating: "x", count: 40))\"}\n" }
        try text.write(toFile: dir.appendingPathComponent("in.jsonl").path, atomically: true, encoding: .utf8)
        _ = try PipelineRunTests.write(counter, "counter.lua", in: dir)
        let db = dir.appendingPathComponent("out.db").path
        let script = try PipelineRunTests.write("""
            pipeline "tail" {
              from = source.follow { path = "in.jsonl", poll = "50ms" },
              process = { processor.file "counter.lua" },
              to = storage.sqlite { id = "db", path = "out.db" },
              batch_size = 200,
              \(resume)
              checkpoint_every = 1000,
            }
            """, "tail.lua", in: dir)
        return (dir, script, db)
    }

    static func lineRows(_ db: String) -> Int {
        Int(sqliteValue(db, "SELECT count(*) FROM records WHERE json_extract(data, '$.n') IS NOT NULL")) ?? 0
    }

    static func total(_ db: String) -> String {
        sqliteValue(db, "SELECT json_extract(data, '$.count') || ':' || json_extract(data, '$.sum') FROM records WHERE json_extract(data, '$.kind') = 'total'")
    }

    /// Runs until every line is stored, then stops it with SIGTERM (its shutdown emits the total).
    static func runToTheEnd(_ arguments: [String], in dir: URL, db: String) throws {
        let run = try BackgroundCollector(arguments, in: dir)
        #expect(waitUntil { lineRows(db) >= lines }, "the run stores every line: \(run.stderr)")
        run.signal(SIGTERM)
        #expect(run.waitForExit() == 0, "\(run.stderr)")
    }

    @Test func afterSIGKILLAndARestartTheTotalIsThatOfAnUninterruptedRun() throws {
        let expected = "\(Self.lines):\(Self.lines * (Self.lines + 1) / 2)"
        let whole = try Self.setUp(resume: "resume = true,")
        try Self.runToTheEnd(["run", whole.script, "--quiet"], in: whole.dir, db: whole.db)
        #expect(Self.total(whole.db) == expected, "the uninterrupted run's total")

        let crashed = try Self.setUp(resume: "resume = true,")
        let first = try BackgroundCollector(["run", crashed.script, "--quiet"], in: crashed.dir)
        #expect(waitUntil { Self.lineRows(crashed.db) > 8_000 }, "the first run stores records: \(first.stderr)")
        first.signal(SIGKILL)
        #expect(first.waitForExit() == -SIGKILL)
        #expect(Self.lineRows(crashed.db) < Self.lines, "killed mid-run")
        #expect(Self.total(crashed.db) == "", "a killed run emits no total")
        #expect(
            sqliteValue(crashed.dir.appendingPathComponent("tail.state.db").path, "SELECT count(*) FROM collector_resume WHERE scope = 'tail/tail'") == "2",
            "a checkpoint (the position and the counter's state) was saved before the kill")

        try Self.runToTheEnd(["run", crashed.script, "--quiet"], in: crashed.dir, db: crashed.db)
        #expect(Self.total(crashed.db) == expected, "the total after a crash equals the uninterrupted run's")
        #expect(
            sqliteValue(crashed.db, "SELECT count(*), count(DISTINCT json_extract(data, '$.n')) FROM records WHERE json_extract(data, '$.n') IS NOT NULL")
                == "\(Self.lines)|\(Self.lines)", "every line stored once")
    }

    @Test func withStateDirTheStateFileIsThereAndAStoppedRunGoesOnFromIt() throws {
        let setup = try Self.setUp(resume: "")
        let state = setup.dir.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try Self.runToTheEnd(["run", setup.script, "--quiet", "--state-dir", state.path], in: setup.dir, db: setup.db)
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("tail.state.db").path))
        #expect(!FileManager.default.fileExists(atPath: setup.dir.appendingPathComponent("tail.state.db").path))
        // More lines, a second run: it reads only them, and its total counts all lines (the state went on).
        let more = (Self.lines + 1...Self.lines + 10).map { "{\"n\":\($0)}\n" }.joined()
        let handle = try FileHandle(forWritingTo: setup.dir.appendingPathComponent("in.jsonl"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(more.utf8))
        try handle.close()
        let run = try BackgroundCollector(["run", setup.script, "--quiet", "--state-dir", state.path], in: setup.dir)
        #expect(waitUntil { Self.lineRows(setup.db) >= Self.lines + 10 }, "\(run.stderr)")
        run.signal(SIGTERM)
        #expect(run.waitForExit() == 0, "\(run.stderr)")
        #expect(run.stdout.contains("pipeline tail: 10 in,"), "only the new lines are read: \(run.stdout)")
        let all = Self.lines + 10
        #expect(
            sqliteValue(setup.db, "SELECT max(json_extract(data, '$.count')) FROM records WHERE json_extract(data, '$.kind') = 'total'") == "\(all)")
    }

    @Test func aResumeOptionThatIsNotAPathOrBooleanIsRefusedNamingIt() throws {
        let setup = try Self.setUp(resume: "resume = 3,")
        let outcome = try Collector.run(["check", setup.script])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("option 'resume' must be true, false, a file path or a postgresql:// URL, got number"), "\(outcome.stderr)")
    }
}

/// Sources that resume from the store across restarts: SSE's `Last-Event-ID`
/// (after SIGKILL: no event lost, none stored twice) and HTTP's validators
/// (an unchanged resource is not collected again by the next run).
@Suite("collector run: sources resume from the state file", .serialized)
struct SourceResumeRunTests {
    static func events(_ db: String) -> String {
        sqliteValue(db, "SELECT count(*) || '|' || count(DISTINCT data) || '|' || min(CAST(data AS INTEGER)) || '|' || max(CAST(data AS INTEGER)) FROM records")
    }

    @Test func anSSEStreamKilledAndStartedAgainLosesAndRepeatsNoEvent() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let dir = try PipelineRunTests.directory()
        let db = dir.appendingPathComponent("out.db").path
        // /sse/forever: an event every 50 ms, `id: i`, `data: i`, numbered on from Last-Event-ID.
        let script = try PipelineRunTests.write("""
            pipeline "events" {
              from = source.sse { url = "\(server.base)/sse/forever" },
              to = storage.sqlite { id = "db", path = "\(db)" },
              batch_size = 5,
              resume = true,
              checkpoint_interval = "100ms",
            }
            """, "events.lua", in: dir)
        let rows = { Int(sqliteValue(db, "SELECT count(*) FROM records")) ?? 0 }
        let first = try BackgroundCollector(["run", script, "--quiet"], in: dir)
        #expect(waitUntil { rows() >= 20 }, "\(first.stderr)")
        first.signal(SIGKILL)
        #expect(first.waitForExit() == -SIGKILL)
        let saved = sqliteValue(dir.appendingPathComponent("events.state.db").path, "SELECT count(*) FROM collector_resume WHERE key = 'source/sse-1'")
        #expect(saved == "1", "the last event id was saved")

        let second = try BackgroundCollector(["run", script, "--quiet"], in: dir)
        let before = rows()
        #expect(waitUntil { rows() >= before + 20 }, "\(second.stderr)")
        second.signal(SIGTERM)
        #expect(second.waitForExit() == 0, "\(second.stderr)")
        // Events 1...N, each once: the second run went on from the saved id (a fresh
        // start would repeat 1...), and what it was sent again was stored once.
        let parts = Self.events(db).split(separator: "|").map { Int($0) ?? -1 }
        try #require(parts.count == 4, "\(Self.events(db))")
        #expect(parts[0] == parts[1], "no event stored twice: \(parts)")
        #expect(parts[2] == 1 && parts[3] == parts[0], "no event lost: \(parts)")
        // A fresh start would be sent every stored event again (all skipped); a resumed
        // one only those after the saved id.
        let skipped = second.stdout.components(separatedBy: " skipped as stored already").first?
            .split(separator: " ").last.flatMap { Int($0) } ?? 0
        #expect(skipped < before, "the second run started after the saved event id: \(second.stdout)")
    }

    @Test func anUnchangedHTTPResourceIsNotCollectedAgainByTheNextRun() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let dir = try PipelineRunTests.directory()
        let db = dir.appendingPathComponent("out.db").path
        // /etag answers 304 to the ETag it gave.
        let script = try PipelineRunTests.write("""
            pipeline "poll" {
              from = source.http { url = "\(server.base)/etag" },
              to = storage.sqlite { id = "db", path = "\(db)" },
              resume = true,
            }
            """, "poll.lua", in: dir)
        for _ in 1...2 {
            let run = try Collector.run(["run", "--once", script], directory: dir)
            #expect(run.status == 0, "\(run.stderr)")
        }
        #expect(sqliteValue(db, "SELECT count(*) FROM records") == "1", "the second run sent the saved ETag and got 304")
        // Without the state file, a run collects it again.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("poll.state.db"))
        #expect(try Collector.run(["run", "--once", script], directory: dir).status == 0)
        #expect(sqliteValue(db, "SELECT count(*) FROM records") == "1", "the same page (same ETag) has the same record id: stored once")
    }
}
