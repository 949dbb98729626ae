import Foundation
import Testing

/// `storage.http` in a pipeline run by `collector run`, against the suite's
/// receiver on loopback: batches arrive whole, refused records are
/// dead-lettered alone, and a receiver that is down leaves the records in
/// the spool (exit status 3).
@Suite("collector run: storage.http", .timeLimit(.minutes(2)))
struct HTTPStorageRunTests {
    private func accepted(_ log: URL) -> [[String: Any]] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    @Test func postsEachBatchOnceAsGzippedNDJSON() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: log) }
        let sink = try LoopbackFixture("http_sink_fixture.py", arguments: [log.path])
        let script = try Collector.script("""
            local out = storage.http { url = "\(sink.base)/ingest", gzip = true, token = "RunTok_9876" }
            print(tostring(out))
            pipeline "p" { from = source.generator { count = 1200 }, to = out, batch_size = 500 }
            """)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!(outcome.stdout + outcome.stderr).contains("RunTok_9876"))
        let posts = accepted(log)
        #expect(posts.map { ($0["records"] as? [Any])?.count ?? 0 } == [500, 500, 200])
        #expect(posts.allSatisfy { $0["gzip"] as? Bool == true && $0["duplicate"] as? Bool == false })
        #expect(Set(posts.compactMap { $0["key"] as? String }).count == 3)
    }

    @Test func refusedRecordsAreDeadLetteredAndTheOthersStored() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString).jsonl")
        let dead = FileManager.default.temporaryDirectory.appendingPathComponent("dead-\(UUID().uuidString).jsonl")
        defer {
            try? FileManager.default.removeItem(at: log)
            try? FileManager.default.removeItem(at: dead)
        }
        let sink = try LoopbackFixture("http_sink_fixture.py", arguments: [log.path])
        let script = try Collector.script("""
            local n = 0
            local function mark(r)
              n = n + 1
              if n % 100 == 0 then r.bad = true end
              return r
            end
            pipeline "p" {
              from = source.generator { count = 1000 }, process = { mark },
              to = storage.http { url = "\(sink.base)/ingest?refuse=bad", format = "json", retries = 0 },
              dead_letter = storage.jsonl { path = "\(dead.path)" }, batch_size = 250, spool = false,
            }
            """)
        let outcome = try Collector.run(["run", script])
        // Records a backend refused make the run fail (1), and each is a dead letter.
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let stored = accepted(log).reduce(0) { $0 + (($1["records"] as? [Any])?.count ?? 0) }
        #expect(stored == 990)
        let letters = ((try? String(contentsOf: dead, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(letters.count == 10)
        #expect(letters.first?.contains("HTTP 400") == true)
    }

    @Test func aReceiverThatIsDownLeavesTheRecordsInTheSpool() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("http-spool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A port nobody listens on any more.
        let port = try LoopbackFixture("http_sink_fixture.py", arguments: [directory.appendingPathComponent("x").path]).port
        let script = try Collector.script("""
            pipeline "p" {
              from = source.generator { count = 300 },
              to = storage.http { url = "http://127.0.0.1:\(port)/ingest", retries = 1, retry_delay = "10ms" },
              spool = "\(directory.appendingPathComponent("spool.db").path)",
            }
            """)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 3, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("300 left in the spool") || outcome.stdout.contains("300 left in the spool"),
                "\(outcome.stdout)\(outcome.stderr)")
    }

    @Test(arguments: [
        (#"format = "xml""#, "option 'format' must be one of"),
        (#"basic = { user = "a" }"#, "option 'basic' must be"),
        (#"token = "t12345678", basic = { user = "a", password = "b" }"#, "options 'token' and 'basic' exclude each other"),
        (#"idempotency_header = "a b""#, "option 'idempotency_header' must be"),
        (#"gzip = "yes""#, "option 'gzip' must be a boolean"),
        (#"retries = -1"#, "option 'retries' must be an integer from 0"),
    ])
    func aWrongOptionIsAnErrorThatNamesIt(options: String, message: String) throws {
        let script = try Collector.script(#"storage.http { url = "http://127.0.0.1:9/x", "# + options + " }")
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("storage.http: " + message), "\(outcome.stderr)")
    }
}
