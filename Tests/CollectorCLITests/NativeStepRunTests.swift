import Foundation
import Testing

/// The native steps from a script: options checked where the script calls
/// them, and what they drop and dead-letter in a run.
@Suite("collector run: native steps")
struct NativeStepRunTests {
    @Test func badOptionsAreErrorsAtTheLine() throws {
        let cases: [(String, String)] = [
            ("local p = processor.sample { }", ":1: processor.sample: give 'every' (keep one record in N: every = 10) or 'rate' (a share: rate = 0.1)"),
            ("local p = processor.sample { every = 10, rate = 0.1 }", ":1: processor.sample: give 'every' (keep one in N) or 'rate' (a share), not both"),
            ("local p = processor.sample { rate = 1.5 }", ":1: processor.sample: option 'rate' must be a share above 0 and at most 1"),
            ("local p = processor.sample { every = 0 }", ":1: processor.sample: option 'every' must be an integer from 1 to"),
            ("local p = processor.sample { evry = 3 }", ":1: processor.sample: unknown option 'evry' (did you mean 'every'?)"),
            ("local p = processor.throttle { per = '1s' }", ":1: processor.throttle: option 'rate' is required"),
            ("local p = processor.throttle { rate = 0 }", ":1: processor.throttle: option 'rate' must be a number of records above 0, got 0\n"),
            ("local p = processor.throttle { rate = 5, on_excess = 'queue' }", ":1: processor.throttle: option 'on_excess' must be one of \"drop\", \"dead_letter\""),
            ("local p = processor.throttle { rate = 5, per = 'soon' }", ":1: processor.throttle: option 'per' must be a duration"),
            ("local p = processor.throttle { rate = 5, burst = 0.5 }", ":1: processor.throttle: option 'burst' must be a number of records, at least 1"),
            ("local p = processor.dedup { key = 5 }", ":1: processor.dedup: option 'key' must be a list of strings, got number"),
            ("local p = processor.dedup { window = '0s' }", ":1: processor.dedup: option 'window'"),
            ("local p = processor.dedup { on_duplicate = 'keep' }", ":1: processor.dedup: option 'on_duplicate' must be one of \"drop\", \"dead_letter\""),
            ("local p = processor.validate { }", ":1: processor.validate: option 'schema' is required"),
            ("local p = processor.validate { schema = { type = 'obj' } }", ":1: processor.validate: schema.type: expected one of object, array"),
            ("local p = processor.validate { schema = { properties = { price = { minimun = 0 } } } }", ":1: processor.validate: schema.properties.price: unknown keyword 'minimun' (did you mean 'minimum'?)"),
            ("local p = processor.validate { schema = { pattern = '(' } }", ":1: processor.validate: schema.pattern: not a valid regular expression \"(\""),
        ]
        for (source, expected) in cases {
            let script = try Collector.script(source)
            let outcome = try Collector.run(["check", script])
            #expect(outcome.status == 2, "\(source)")
            #expect(outcome.stderr.contains(script + expected), "\(source): \(outcome.stderr)")
        }
    }

    @Test func failedValidationsAndTheExcessGoToTheDeadLettersCounted() throws {
        let dir = try PipelineRunTests.directory()
        var lines = ""
        for n in 1...30 { lines += n % 10 == 0 ? "{\"id\":\"x\",\"host\":\"a\"}\n" : "{\"id\":\(n),\"host\":\"\(n % 2 == 0 ? "a" : "b")\"}\n" }
        lines += "{\"id\":1,\"host\":\"b\"}\n"
        let input = try PipelineRunTests.write(lines, "in.jsonl", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(input)" },
              process = {
                processor.validate { name = "ids", schema = { type = "object", properties = { id = { type = "integer" } } } },
                processor.dedup { name = "once", key = "id" },
                processor.throttle { name = "hosts", rate = 5, per = "1h", key = "host", on_excess = "dead_letter" },
              },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "p.lua", in: dir)
        let outcome = try Collector.run(["run", script], directory: dir)
        // 3 ids are not integers; id 1 comes twice; of the 26 left, 5 per host pass within the hour.
        #expect(outcome.stdout.contains("pipeline p: 31 in, 10 out, 1 dropped, 20 failed, 20 dead letters"), "\(outcome.stdout)\(outcome.stderr)")
        let letters = ((try? String(contentsOfFile: dead, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(letters.filter { $0.contains(#""message":"$.id: expected integer, got string""#) }.count == 3)
        #expect(letters.filter { $0.contains(#""message":"over the rate of 5 records per 1h for its key (host)""#) }.count == 17)
    }
}
