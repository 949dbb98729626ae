import Foundation
import Testing

/// A record that fails again when its line is read again (a restart
/// without a saved position, a crash before the position was saved) must
/// not leave a second dead letter: letters are stored once per record, as
/// records are.
@Suite("collector run: dead letters once", .serialized)
struct DeadLetterOnceRunTests {
    @Test func linesReadAgainDoNotDeadLetterTwice() throws {
        let dir = try PipelineRunTests.directory()
        var text = ""
        for n in 1...300 { text += n % 10 == 0 ? "not JSON \(n)\n" : "{\"n\":\(n)}\n" }
        let input = try PipelineRunTests.write(text, "in.jsonl", in: dir)
        _ = try PipelineRunTests.write("""
            return function(r) if r.n % 7 == 0 then error("seven divides " .. r.n) end return r end
            """, "sevens.lua", in: dir)
        let out = dir.appendingPathComponent("out.db").path
        let dead = dir.appendingPathComponent("dead.db").path
        // No position file: every run reads the file from its start, with the same record ids.
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.follow { path = "\(input)", poll = "50ms" },
              process = { processor.file "sevens.lua" },
              to = storage.sqlite { id = "db", path = "\(out)" },
              dead_letter = storage.sqlite { id = "dead", path = "\(dead)", table = "dead_letters" },
            }
            """, "p.lua", in: dir)
        // 30 lines are not JSON; the records whose n seven divides fail in the processor.
        let failing = 30 + (1...300).filter { $0 % 10 != 0 && $0 % 7 == 0 }.count
        let stored = 300 - failing
        for run in 1...2 {
            // The second run has one line more, at the end: once it is stored, the run has read every line again.
            if run == 2 {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
                handle.seekToEndOfFile()
                handle.write(Data("{\"n\":302}\n".utf8))
                try handle.close()
            }
            let rows = stored + (run == 2 ? 1 : 0)
            let collector = try BackgroundCollector(["run", script, "--quiet"], in: dir)
            #expect(
                waitUntil(seconds: 60) {
                    sqliteValue(out, "SELECT count(*) FROM records") == "\(rows)"
                        && (Int(sqliteValue(dead, "SELECT count(*) FROM dead_letters")) ?? 0) >= failing
                }, "run \(run): \(collector.stderr.suffix(2000))")
            // Give a second copy, if one were made, the time to be written.
            Thread.sleep(forTimeInterval: 0.5)
            collector.signal(SIGTERM)
            #expect(collector.waitForExit() == 0, "run \(run): \(collector.stderr.suffix(2000))")
            #expect(
                collector.stdout.contains("pipeline p: \(300 + run - 1) in, \(rows) out, 0 dropped, \(failing) failed, \(failing) dead letters"),
                "run \(run) read every line: \(collector.stdout)")
        }
        #expect(sqliteValue(out, "SELECT count(*) FROM records") == "\(stored + 1)")
        #expect(
            sqliteValue(dead, "SELECT count(*), count(DISTINCT json_extract(data, '$.sequence')) FROM dead_letters") == "\(failing)|\(failing)",
            "one letter per failed line")
    }
}
