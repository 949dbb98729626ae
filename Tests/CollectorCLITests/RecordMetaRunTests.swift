import Foundation
import Testing

/// What a processor reads of a record's origin (`process(record, emit,
/// meta)`) from real sources: a file's path, line and offset, a followed
/// file's lines across a restart, an HTTP response's status and headers;
/// `meta` refuses writes, and says nothing a source did not give.
@Suite("collector run: record metadata in processors", .serialized, .timeLimit(.minutes(3)))
struct RecordMetaRunTests {
    /// A processor that copies what it reads of `meta` into the record.
    static let copier = """
        local fields = { "source_id", "sequence", "record_id", "collected_at", "path", "line", "offset",
          "http_status", "page", "headers", "event", "nothing_here" }
        return {
          process = function(r, emit, meta)
            local seen = {}
            for _, key in ipairs(fields) do
              local value = meta[key]
              if value ~= nil then seen[key] = value end
            end
            seen.collected_at = seen.collected_at and math.type(seen.collected_at)
            local count = 0
            for _ in pairs(meta) do count = count + 1 end
            seen.keys = count
            r.meta = seen
            return r
          end,
        }
        """

    private static func records(_ path: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    private static func meta(_ record: [String: Any]) -> [String: Any] { record["meta"] as? [String: Any] ?? [:] }

    @Test func aFileRecordKnowsItsPathLineAndOffset() throws {
        let dir = try PipelineRunTests.directory()
        // Blank lines count: the line is the file's.
        let input = try PipelineRunTests.write("{\"n\":1}\n\n{\"n\":2}\n{\"n\":3}\n", "in.jsonl", in: dir)
        _ = try PipelineRunTests.write(Self.copier, "copy.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { id = "readings", path = "\(input)" },
              process = { processor.file "copy.lua", function(r, emit, meta) r.second = meta.line return r end },
              to = storage.jsonl { path = "\(out)" },
            }
            """, "p.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let records = Self.records(out)
        try #require(records.count == 3, "\(records)")
        #expect(records.map { Self.meta($0)["line"] as? Int } == [1, 3, 4])
        #expect(records.map { Self.meta($0)["offset"] as? Int } == [0, 9, 17])
        #expect(records.map { Self.meta($0)["sequence"] as? Int } == [1, 2, 3])
        // A processor after the first sees the same origin.
        #expect(records.map { $0["second"] as? Int } == [1, 3, 4])
        for record in records {
            let meta = Self.meta(record)
            #expect(meta["path"] as? String == input)
            #expect(meta["source_id"] as? String == "readings")
            #expect((meta["record_id"] as? String)?.count == 36)
            #expect(meta["collected_at"] as? String == "float")
            #expect(meta["nothing_here"] == nil)
            // source_id, sequence, record_id, collected_at; path, line, lines, offset.
            #expect(meta["keys"] as? Int == 8, "\(meta)")
        }
    }

    @Test func aFollowedFileNumbersItsLinesAcrossARestart() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write("{\"n\":1}\n{\"n\":2}\n", "in.jsonl", in: dir)
        _ = try PipelineRunTests.write(Self.copier, "copy.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.follow { path = "\(input)", position_file = "\(dir.path)/in.position", poll = "20ms" },
              process = { processor.file "copy.lua" },
              to = storage.jsonl { path = "\(out)" },
            }
            """, "p.lua", in: dir)
        for (run, lines) in [(1, 2), (2, 4)] {
            if run == 2 {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
                handle.seekToEndOfFile()
                handle.write(Data("\n{\"n\":4}\n".utf8))
                try handle.close()
            }
            let collector = try BackgroundCollector(["run", script, "--quiet"], in: dir)
            #expect(waitUntil(seconds: 60) { Self.records(out).count >= lines - (run == 2 ? 1 : 0) }, "\(collector.stderr)")
            collector.signal(SIGTERM)
            #expect(collector.waitForExit() == 0, "\(collector.stderr)")
        }
        let records = Self.records(out)
        // The second run resumed at the saved position: its line is the file's line 4, after a blank one.
        #expect(records.map { Self.meta($0)["line"] as? Int } == [1, 2, 4], "\(records)")
        #expect(records.map { Self.meta($0)["offset"] as? Int } == [0, 8, 17])
        #expect(records.allSatisfy { Self.meta($0)["path"] as? String == input })
    }

    @Test func anHTTPRecordKnowsItsStatusAndHeaders() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write(Self.copier, "copy.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.http { url = "\(server.base)/pages", pagination = "link" },
              process = { processor.file "copy.lua" },
              to = storage.jsonl { path = "\(out)" },
            }
            """, "p.lua", in: dir)
        let outcome = try Collector.run(["run", "--once", script, "--quiet"], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let records = Self.records(out)
        try #require(records.count == 3, "\(records)")
        #expect(records.map { Self.meta($0)["page"] as? Int } == [1, 2, 3])
        #expect(records.allSatisfy { Self.meta($0)["http_status"] as? Int == 200 })
        let headers = try #require(Self.meta(records[0])["headers"] as? [String: Any])
        #expect((headers["content-type"] as? String)?.hasPrefix("application/json") == true, "\(headers)")
        #expect((headers["link"] as? String)?.contains("rel=\"next\"") == true, "\(headers)")
        #expect(Self.meta(records[2])["line"] == nil)
    }

    @Test func anSSERecordKnowsItsEventTypeAndID() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("""
            return function(n, emit, meta)
              return { n = n, event = meta.event, event_id = meta.event_id, status = meta.http_status }
            end
            """, "events.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.sse { url = "\(server.base)/sse/forever" },
              process = { processor.file "events.lua" },
              to = storage.jsonl { path = "\(out)", sync = "record" },
            }
            """, "p.lua", in: dir)
        let collector = try BackgroundCollector(["run", script, "--quiet"], in: dir)
        #expect(waitUntil(seconds: 60) { Self.records(out).count >= 3 }, "\(collector.stderr)")
        collector.signal(SIGTERM)
        #expect(collector.waitForExit() == 0, "\(collector.stderr)")
        let records = Self.records(out)
        try #require(records.count >= 3)
        for record in records.prefix(3) {
            #expect(record["event"] as? String == "message")
            #expect(record["event_id"] as? String == "\(record["n"] as? Int ?? -1)", "\(record)")
            #expect(record["status"] as? Int == 200)
        }
    }

    @Test func writingToMetaIsAnErrorAtTheLineAndTheRecordIsDeadLettered() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write("{\"n\":1}\n", "in.jsonl", in: dir)
        _ = try PipelineRunTests.write("""
            return { process = function(r, emit, meta)
              meta.line = 7
              return r
            end }
            """, "writes.lua", in: dir)
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(input)" },
              process = { processor.file "writes.lua" },
              to = storage.null {},
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "p.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        #expect(outcome.stdout.contains("1 failed, 1 dead letters") || outcome.stderr.contains("1 dead letters"), "\(outcome.stdout)\(outcome.stderr)")
        let letters = Self.records(dead)
        let error = try #require(letters.first?["error"] as? [String: Any])
        #expect((error["message"] as? String)?.contains("writes.lua:2: meta is read-only (assigning meta.line)") == true, "\(error)")
    }

    @Test func aSourceSaysOnlyWhatItKnows() throws {
        let dir = try PipelineRunTests.directory()
        let out = dir.appendingPathComponent("out.jsonl").path
        // Records replayed from a dead-letter file carry no item metadata; a
        // generator says what it generated. Stdin gives line numbers only.
        _ = try PipelineRunTests.write(Self.copier, "copy.lua", in: dir)
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.stdin { format = "jsonl" },
              process = { processor.file "copy.lua" },
              to = storage.jsonl { path = "\(out)" },
            }
            """, "p.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], input: "{\"n\":1}\n{\"n\":2}\n", directory: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let records = Self.records(out)
        try #require(records.count == 2)
        #expect(records.map { Self.meta($0)["line"] as? Int } == [1, 2])
        #expect(records.allSatisfy { Self.meta($0)["path"] == nil && Self.meta($0)["http_status"] == nil })
    }

    @Test func aKeptMetaAnswersForTheRecordBeingProcessed() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write("{\"n\":1}\n{\"n\":2}\n", "in.jsonl", in: dir)
        _ = try PipelineRunTests.write("""
            local kept
            -- One state: the two records meet the same `kept`.
            return { parallel = false, process = function(r, emit, meta)
              if kept then r.late = kept.line end
              kept = meta
              return r
            end }
            """, "keeps.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(input)" },
              process = { processor.file "keeps.lua" },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "p.lua", in: dir)
        _ = try Collector.run(["run", script, "--quiet"], directory: dir)
        // The kept meta answers for the record being processed now, never for an old one silently.
        let stored = Self.records(out)
        #expect(stored.count == 2)
        #expect(stored.last?["late"] as? Int == 2, "\(stored)")
    }
}
