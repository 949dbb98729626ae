import Foundation
import Testing

/// `collector run` accounts for every record: what a backend did not store,
/// and dead letters that could not be written, fail the run and say so.
@Suite("collector run: accounting")
struct AccountingRunTests {
    @Test func recordsAFullBackendRefusesFailTheRunThoughTheyAreDeadLettered() throws {
        let dir = try PipelineRunTests.directory()
        let db = dir.appendingPathComponent("out.db").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "store" {
              from = source.generator { count = 3000 },
              to = storage.sqlite { path = "\(db)", table = "t", max_size = "64KB" },
              dead_letter = storage.jsonl { path = "\(dead)" },
              spool = false,
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"])
        #expect(outcome.status == 1, "records not stored cannot exit 0: \(outcome.stdout) \(outcome.stderr)")
        let refused = try #require(outcome.stdout.firstMatch(of: /; (\d+) failed to store/).map { Int($0.1) ?? 0 })
        #expect(refused > 0)
        #expect(outcome.stderr.contains("pipeline store: \(refused) records were not stored"), "\(outcome.stderr)")
        #expect(try PipelineRunTests.lines(dead).count == refused, "each refused record is a dead letter")
    }

    @Test func deadLettersThatCannotBeWrittenAreReportedAsLost() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            pipeline "dlq" {
              from = source.generator { count = 200 },
              process = { function() error("boom") end },
              to = storage.memory {},
              dead_letter = storage.jsonl { path = "/dev/full" },
              spool = false,
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"])
        #expect(outcome.status == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(
            outcome.stderr.contains("200 dead letters could not be written to the dead-letter destination 'jsonl:/dev/full'"),
            "\(outcome.stderr)")
        #expect(outcome.stdout.contains("200 dead letters lost"), "\(outcome.stdout)")
    }

    @Test func deadLettersOfUnencodableRecordsReachTheFile() throws {
        let dir = try PipelineRunTests.directory()
        // One level past the nesting limit (512): the record fails to decode.
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let input = try PipelineRunTests.write(
            deep + "\n" + #"{"case":"nan"}"# + "\n" + #"{"case":"inf"}"# + "\n" + #"{"case":"bytes"}"# + "\n" + #"{"case":"fine"}"# + "\n",
            "in.jsonl", in: dir)
        _ = try PipelineRunTests.write("""
            local values = { nan = 0/0, inf = -math.huge, bytes = "\\xff\\xfe", fine = 1 }
            return function(r) return { case = r.case, v = values[r.case] } end
            """, "odd.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "odd" {
              from = source.file { path = "\(input)" },
              process = { processor.file "odd.lua" },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            local report = run().odd
            print(("letters=%d written=%d lost=%d"):format(report.dead_letters, report.dead_letters_written, report.dead_letters_lost))
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        let letters = try PipelineRunTests.lines(dead)
        #expect(outcome.stdout.contains("letters=4 written=4 lost=0"), "\(outcome.stdout) \(outcome.stderr)")
        #expect(letters.count == 4, "\(letters.map { $0.prefix(120) })")
        #expect(letters.contains { $0.contains(#""v":"-Infinity""#) })
        #expect(letters.contains { $0.contains(#""v":"NaN""#) })
        #expect(letters.contains { $0.contains(#""v":{"base64":"//4="}"#) })
        #expect(try PipelineRunTests.lines(out).count == 1)
    }

    @Test func theRunReportCarriesEveryTermOfTheLedger() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write((1...30).map { "{\"n\":\($0)}" }.joined(separator: "\n") + "\n", "in.jsonl", in: dir)
        _ = try PipelineRunTests.write("""
            return function(r, emit)
              if r.n % 3 == 0 then return nil end
              if r.n % 5 == 0 then error("five") end
              if r.n % 7 == 0 then emit({ n = r.n, copy = true }) end
              return r
            end
            """, "ledger.lua", in: dir)
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "l" {
              from = source.file { path = "\(input)" },
              process = { processor.file "ledger.lua" },
              to = storage.memory { id = "m" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            local r = run().l
            local m = r.backends.m
            print(("read=%d in=%d created=%d out=%d dropped=%d failed=%d"):format(r.read, r.input, r.created, r.output, r.dropped, r.failed))
            print(("routed=%d stored=%d skipped=%d spooled=%d refused=%d"):format(m.routed, m.stored, m.skipped, m.spooled, m.refused))
            print(("dead=%d written=%d lost=%d discarded=%d"):format(r.dead_letters, r.dead_letters_written, r.dead_letters_lost, r.discarded))
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--quiet"], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        // 1...30: ten multiples of 3 dropped; 5, 10, 20, 25 fail; 7, 14 and 28 emit a copy.
        #expect(outcome.stdout.contains("read=30 in=30 created=3 out=19 dropped=10 failed=4"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("routed=19 stored=19 skipped=0 spooled=0 refused=0"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("dead=4 written=4 lost=0 discarded=0"), "\(outcome.stdout)")
        #expect(
            outcome.stdout.contains("pipeline l: 30 in, 19 out, 10 dropped, 4 failed, 4 dead letters; stored m=19; 3 created by processors"),
            "\(outcome.stdout)")
    }
}
