import Foundation
import Testing

/// `collector replay`: the quarantine loop end to end. A processor fails
/// records into a dead-letter file; once it is fixed, replaying the file
/// stores what now passes (once, however often it is replayed) and
/// dead-letters again what still fails, counting the attempt.
@Suite("collector replay")
struct ReplayRunTests {
    /// Fails records without `v` (fixed in `fixedProcessor`) and records whose `v` is not a number (not fixed).
    static let brokenProcessor = """
        return function(r)
          if r.v == nil then error("no v in record " .. tostring(r.n)) end
          if type(r.v) ~= "number" then error("v is not a number in record " .. tostring(r.n)) end
          r.double = r.v * 2
          return r
        end
        """
    static let fixedProcessor = """
        return function(r)
          if r.v == nil then r.v = 0 end
          if type(r.v) ~= "number" then error("v is not a number in record " .. tostring(r.n)) end
          r.double = r.v * 2
          return r
        end
        """

    struct Setup {
        var dir: URL
        var input: String
        var db: String
        var dead: String
        var script: String
    }

    /// A file of six records (2 and 4 without `v`, 6 with a text `v`) into
    /// SQLite, failures into `dead.jsonl`, through `proc.lua`.
    static func setUp(extraPipeline: Bool = false) throws -> Setup {
        let dir = try PipelineRunTests.directory()
        let lines = (1...6).map { n in
            switch n {
            case 2, 4: "{\"n\":\(n)}"
            case 6: "{\"n\":6,\"v\":\"six\"}"
            default: "{\"n\":\(n),\"v\":\(n)}"
            }
        }
        let input = try PipelineRunTests.write(lines.joined(separator: "\n") + "\n", "in.jsonl", in: dir)
        let db = dir.appendingPathComponent("out.db").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        _ = try PipelineRunTests.write(brokenProcessor, "proc.lua", in: dir)
        var text = """
            pipeline "orders" {
              from = source.file { path = "\(input)" },
              process = { processor.file "proc.lua" },
              to = storage.sqlite { id = "db", path = "\(db)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """
        if extraPipeline {
            text += """

                pipeline "other" {
                  from = source.generator { count = 3 },
                  to = storage.sqlite { id = "other", path = "\(db)", table = "other" },
                }
                """
        }
        let script = try PipelineRunTests.write(text, "main.lua", in: dir)
        return Setup(dir: dir, input: input, db: db, dead: dead, script: script)
    }

    static func letters(_ path: String) throws -> [[String: Any]] {
        try PipelineRunTests.lines(path).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    static func rows(_ db: String, _ table: String = "records") -> String {
        sqliteValue(db, "SELECT count(*), group_concat(json_extract(data, '$.n'), ',') FROM (SELECT data FROM \(table) ORDER BY json_extract(data, '$.n'))")
    }

    @Test func fixedRecordsAreStoredOnceAndTheOthersDeadLetteredAgainWithTheAttempt() throws {
        let s = try Self.setUp()
        let first = try Collector.run(["run", s.script])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(Self.rows(s.db) == "3|1,3,5")
        let quarantined = try Self.letters(s.dead)
        #expect(quarantined.count == 3)
        #expect(quarantined.allSatisfy { $0["attempt"] as? Int == 1 && ($0["record_id"] as? String)?.count == 36 })
        let six = try #require(quarantined.first { ($0["record"] as? [String: Any])?["n"] as? Int == 6 })

        // The processor is fixed; lines the source would read now must not be read by a replay.
        _ = try PipelineRunTests.write(Self.fixedProcessor, "proc.lua", in: s.dir)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: s.input))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"n\":7,\"v\":7}\n".utf8))
        try handle.close()

        let replay = try Collector.run(["replay", s.dead, s.script])
        #expect(replay.status == 0, "records that failed again are dead letters, not a failed run: \(replay.stderr)")
        #expect(replay.stdout.contains("pipeline orders: 3 in, 2 out, 0 dropped, 1 failed, 1 dead letters; stored db=2"), "\(replay.stdout)")
        #expect(Self.rows(s.db) == "5|1,2,3,4,5", "the fixed records are stored; the source was not read")
        let afterReplay = try Self.letters(s.dead)
        #expect(afterReplay.count == 4)
        let again = try #require(afterReplay.last)
        #expect(again["attempt"] as? Int == 2)
        #expect(again["record_id"] as? String == six["record_id"] as? String)
        #expect(again["source_id"] as? String == six["source_id"] as? String)
        #expect(again["sequence"] as? Int == six["sequence"] as? Int)
        #expect((again["error"] as? [String: Any])?["message"] as? String ?? "" != "")

        // The same file again: nothing is stored twice, the unfixable record counts one more attempt.
        let second = try Collector.run(["replay", s.dead, s.script])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("3 in, 2 out, 0 dropped, 1 failed, 1 dead letters; stored db=0"), "\(second.stdout)")
        #expect(second.stdout.contains("2 skipped as stored already"), "\(second.stdout)")
        #expect(Self.rows(s.db) == "5|1,2,3,4,5")
        let letters = try Self.letters(s.dead)
        #expect(letters.count == 5 && letters.last?["attempt"] as? Int == 3, "the letter of attempt 2 was replayed, once")
    }

    @Test func bytesThatWereNotTextAreReplayedAsTheBytesTheyWere() throws {
        let s = try Self.setUp()
        let bytes = Data([0x7B, 0xFF, 0xFE, 0x7D])  // "{", two bytes that are not UTF-8, "}"
        let letter = """
            {"record":{"base64":"\(bytes.base64EncodedString())"},"source_id":"in","sequence":9,"attempt":1,\
            "record_id":"0190a1b2-c3d4-8e5f-a6b7-c8d9e0f1a2b3","error":{"message":"not UTF-8"}}
            """
        let file = try PipelineRunTests.write(letter + "\n", "quarantine.jsonl", in: s.dir)
        let outcome = try Collector.run(["replay", file, s.script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("1 in, 0 out, 0 dropped, 1 failed, 1 dead letters"), "\(outcome.stdout)")
        let letters = try Self.letters(s.dead)
        #expect(letters.count == 1)
        #expect((letters.first?["record"] as? [String: Any])?["base64"] as? String == bytes.base64EncodedString())
        #expect(letters.first?["attempt"] as? Int == 2)
        #expect(letters.first?["sequence"] as? Int == 9 && letters.first?["source_id"] as? String == "in")
    }

    @Test func recordsABackendRefusedAreSaidToGoThroughTheProcessorsAgain() throws {
        let s = try Self.setUp()
        _ = try PipelineRunTests.write(Self.fixedProcessor, "proc.lua", in: s.dir)
        let letter = #"{"record":{"n":8,"v":8,"double":16},"source_id":"in","sequence":8,"#
            + #""record_id":"0190a1b2-c3d4-8e5f-a6b7-c8d9e0f1a2b4","error":{"layer":"storage","message":"refused"}}"#
        let file = try PipelineRunTests.write(letter + "\n", "refused.jsonl", in: s.dir)
        let outcome = try Collector.run(["replay", file, s.script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("1 of the letters are records a backend refused"), "\(outcome.stderr)")
        #expect(Self.rows(s.db) == "1|8")
    }

    @Test func helpNamesTheCommand() throws {
        let help = try Collector.run(["help", "replay"])
        #expect(help.status == 0)
        #expect(help.stdout.hasPrefix("usage: collector replay DEAD.jsonl SCRIPT.lua [--pipeline NAME]"), "\(help.stdout)")
        let overview = try Collector.run(["--help"])
        #expect(overview.stdout.contains("replay DEAD.jsonl SCRIPT.lua"), "\(overview.stdout)")
        let missing = try Collector.run(["replay", "dead.jsonl"])
        #expect(missing.status == 2 && missing.stderr.contains("replay: missing the script"), "\(missing.stderr)")
    }

    @Test func aFileWithALineThatIsNotADeadLetterIsRefusedNamingTheLine() throws {
        let s = try Self.setUp()
        _ = try Collector.run(["run", s.script])
        var lines = try PipelineRunTests.lines(s.dead)
        lines.insert("{\"n\":1,\"v\":1}", at: 1)
        let file = try PipelineRunTests.write(lines.joined(separator: "\n") + "\n", "mixed.jsonl", in: s.dir)
        _ = try PipelineRunTests.write(Self.fixedProcessor, "proc.lua", in: s.dir)
        let outcome = try Collector.run(["replay", file, s.script])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("\(file):2: not a dead letter: no 'record' field"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("nothing was replayed"), "\(outcome.stderr)")
        #expect(Self.rows(s.db) == "3|1,3,5", "nothing of the file was replayed")
    }

    @Test func aScriptWithSeveralPipelinesNeedsTheOneToFeed() throws {
        let s = try Self.setUp(extraPipeline: true)
        _ = try Collector.run(["run", s.script])
        _ = try PipelineRunTests.write(Self.fixedProcessor, "proc.lua", in: s.dir)
        let unnamed = try Collector.run(["replay", s.dead, s.script])
        #expect(unnamed.status == 2)
        #expect(unnamed.stderr.contains("choose one with --pipeline NAME"), "\(unnamed.stderr)")
        let unknown = try Collector.run(["replay", s.dead, s.script, "--pipeline", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no pipeline \"nope\" (its pipelines: \"orders\", \"other\")"), "\(unknown.stderr)")
        #expect(Self.rows(s.db) == "3|1,3,5")
        let named = try Collector.run(["replay", "--pipeline", "orders", s.dead, s.script])
        #expect(named.status == 0, "\(named.stderr)")
        #expect(!named.stdout.contains("pipeline other"), "only the chosen pipeline runs: \(named.stdout)")
        #expect(Self.rows(s.db) == "5|1,2,3,4,5")
        #expect(sqliteValue(s.db, "SELECT count(*) FROM other") == "3", "the other pipeline ran in the first run only")
    }
}
