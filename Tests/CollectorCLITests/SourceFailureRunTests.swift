import Foundation
import Testing

/// Sources through `collector run`: a bad line fails alone, a source that
/// fails for good fails its run (exit 1, named in the summary), a stream
/// follows its server across a restart, and the console sink writes once.
@Suite("collector run: sources")
struct SourceFailureRunTests {
    /// A fixture server of `Tests/Fixtures` on loopback: it prints its port first.
    final class Server {
        let process = Process()
        let port: Int

        init(_ script: String, _ arguments: [String] = []) throws {
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/\(script)")
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-u", fixture.path] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let piece = out.fileHandleForReading.availableData
                if piece.isEmpty { break }
                line.append(piece)
            }
            port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }

        func stop() {
            guard process.isRunning else { return }
            // SIGKILL: a child may inherit a mask that blocks SIGTERM from the test runner's thread.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    static func dead(_ path: String) throws -> [[String: Any]] {
        try PipelineRunTests.lines(path).map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    @Test func aMissingInputFileFailsTheRunNamingTheSource() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            pipeline "load" { from = source.file { path = "ordres.jsonl" }, to = storage.memory {} }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", "-q", script], directory: dir)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stdout.contains(
            "error: source 'file-1' failed: open 'ordres.jsonl' failed: No such file or directory"), "\(outcome.stdout)")
    }

    @Test func aRefusedCredentialStopsAPollingSourceAndFailsTheRun() throws {
        let server = try Server("http_fixture.py")
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            pipeline "poll" {
              from = source.http { id = "api", url = "http://127.0.0.1:\(server.port)/auth", token = "wrong", every = "1s" },
              to = storage.memory {},
            }
            local r = run().poll
            print("REPORT", r.status)
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", "-q", script], directory: dir)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("REPORT\tfailed"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("error: source 'api' failed: HTTP 401 from http://127.0.0.1:\(server.port)/auth"), "\(outcome.stdout)")
    }

    @Test func aBadLineFailsAloneOnEveryLineSource() throws {
        let dir = try PipelineRunTests.directory()
        var input = Data("{\"i\":1}\n{\"i\":2}\n".utf8)
        input.append(contentsOf: [0x5B, 0x22, 0xFF, 0x22, 0x5D, 0x0A])  // ["\xff"]: not UTF-8
        input.append(Data("{\"i\":3}\n{\"i\":4}".utf8))
        let path = dir.appendingPathComponent("in.jsonl").path
        try input.write(to: URL(fileURLWithPath: path))
        // Text: JSON formats leave UTF-8 to the JSON reader (JSONInputRunTests).
        let sources = [
            "file": "source.file { path = \"in.jsonl\", format = \"text\" }",
            "stdin": "source.stdin { format = \"text\" }",
            "command": "source.command { command = { \"cat\", \"in.jsonl\" }, format = \"text\" }",
        ]
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            let script = try PipelineRunTests.write("""
                pipeline "p" { from = \(source), to = storage.jsonl { path = "\(name).out.jsonl" },
                  dead_letter = storage.jsonl { path = "\(name).dead.jsonl" } }
                """, "\(name).lua", in: dir)
            // Standard input is the file itself, byte for byte.
            let shell = (executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "exec \"$0\" \"$@\" < in.jsonl"])
            let outcome = try Collector.run(["run", "-q", script], launcher: name == "stdin" ? shell : nil, directory: dir)
            #expect(outcome.stdout.contains("pipeline p: 5 in, 4 out, 0 dropped, 1 failed, 1 dead letters"), "\(name): \(outcome.stdout)")
            #expect(try PipelineRunTests.lines(dir.appendingPathComponent("\(name).out.jsonl").path).count == 4, "\(name)")
            let letters = try Self.dead(dir.appendingPathComponent("\(name).dead.jsonl").path)
            #expect(letters.count == 1, "\(name)")
            let record = letters.first?["record"] as? [String: Any]
            let error = letters.first?["error"] as? [String: Any]
            let details = error?["details"] as? [String: Any]
            #expect(details?["line"] as? Int == 3, "\(name): \(letters)")
            #expect(details?["reason"] as? String == "not_utf8", "\(name)")
            if name == "file" { #expect(details?["path"] as? String == "in.jsonl") }
            #expect(record?["base64"] as? String == Data([0x5B, 0x22, 0xFF, 0x22, 0x5D]).base64EncodedString(), "\(name)")
        }
    }

    @Test func anOverLongLastLineWithoutNewlineIsDeadLetteredWithItsStart() throws {
        let dir = try PipelineRunTests.directory()
        var input = Data("{\"i\":1}\n".utf8)
        input.append(Data("{\"s\":\"".utf8) + Data(repeating: UInt8(ascii: "z"), count: 17 << 20))
        try input.write(to: dir.appendingPathComponent("in.jsonl"))
        let script = try PipelineRunTests.write("""
            pipeline "p" { from = source.file { path = "in.jsonl" }, to = storage.jsonl { path = "out.jsonl" },
              dead_letter = storage.jsonl { path = "dead.jsonl" } }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", "-q", script], directory: dir)
        #expect(outcome.stdout.contains("2 in, 1 out, 0 dropped, 1 failed, 1 dead letters"), "\(outcome.stdout)")
        #expect(outcome.stderr.contains("line 2 of 'in.jsonl' is longer than the limit of 16777216 bytes"), "\(outcome.stderr)")
        let letter = try #require(try Self.dead(dir.appendingPathComponent("dead.jsonl").path).first)
        let record = letter["record"] as? [String: Any]
        #expect(record?["truncated"] as? Bool == true)
        #expect(record?["length"] as? Int == (17 << 20) + 6)
        #expect(record?["bytes"] as? Int == 64 << 10)
    }

    @Test func aJSONLinesSinkOnAPipeWritesEachRecordOnce() throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n", "in.jsonl", in: dir)
        let script = try PipelineRunTests.write("""
            pipeline "p" { from = source.file { path = "in.jsonl" }, to = storage.jsonl { path = "/dev/stdout" } }
            """, "main.lua", in: dir)
        // The collector's standard output is a pipe here, as under `| cat`.
        let outcome = try Collector.run(["run", "-q", "--drain-timeout", "5s", script], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let records = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("{\"n\":") }
        #expect(records == ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"], "\(outcome.stdout)")
        #expect(!outcome.stderr.contains("cannot flush"), "\(outcome.stderr)")
    }

    @Test func aWebSocketSourceFollowsItsServerAcrossARestart() throws {
        let first = try Server("ws_feed_fixture.py", ["0", "1"])
        let port = first.port
        let metricsPort = try RunMetricsTests.freePort()
        let dir = try PipelineRunTests.directory()
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "feed" {
              from = source.websocket { id = "ws", url = "ws://127.0.0.1:\(port)/", reconnect = "100ms", reconnect_max = "400ms" },
              to = storage.jsonl { path = "\(out)", sync = "record" },
            }
            """, "main.lua", in: dir)
        let running = try WatchRunTests.Background(["run", "-q", "--metrics", "127.0.0.1:\(metricsPort)", script])
        func stored(_ gen: String) throws -> Int {
            guard FileManager.default.fileExists(atPath: out) else { return 0 }
            return try PipelineRunTests.lines(out).filter { $0.contains("\"gen\":\"\(gen)\"") }.count
        }
        try WatchRunTests.waitUntil("the first server's messages are stored") { try stored("1") > 0 }
        first.stop()
        // While the server is down, /ready says the source is retrying, and why.
        try WatchRunTests.waitUntil("/ready reports the retrying source") {
            let (status, body) = try RunMetricsTests.get("http://127.0.0.1:\(metricsPort)/ready")
            return status == 503 && body.contains("source 'ws' is retrying: attempt")
        }
        let second = try Server("ws_feed_fixture.py", [String(port), "2"])
        try WatchRunTests.waitUntil("the restarted server's messages are stored") { try stored("2") > 0 }
        let outcome = running.stop()
        second.stop()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("source_id=ws"), "each failed attempt is logged: \(outcome.stderr)")
    }

    /// An SSE source's reconnections are as visible as a WebSocket
    /// source's: each failed connection is logged, counted in
    /// `collector_source_retries_total` and shown by `/ready` while it lasts,
    /// and the stream resumes after the last event stored.
    @Test func anSSESourceReportsEachReconnectionAndResumes() throws {
        let first = try Server("http_fixture.py")
        let port = first.port
        let metricsPort = try RunMetricsTests.freePort()
        let dir = try PipelineRunTests.directory()
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "events" {
              from = source.sse { id = "sse", url = "http://127.0.0.1:\(port)/sse/forever", reconnect = "100ms", reconnect_max = "400ms" },
              to = storage.jsonl { path = "\(out)", sync = "record" },
            }
            """, "main.lua", in: dir)
        let running = try WatchRunTests.Background(["run", "-q", "--metrics", "127.0.0.1:\(metricsPort)", script])
        func stored() throws -> [Int] {
            guard FileManager.default.fileExists(atPath: out) else { return [] }
            return try PipelineRunTests.lines(out).compactMap { Int($0) }
        }
        try WatchRunTests.waitUntil("the first server's events are stored") { try stored().count >= 2 }
        first.stop()
        try WatchRunTests.waitUntil("/ready reports the reconnecting source") {
            let (status, body) = try RunMetricsTests.get("http://127.0.0.1:\(metricsPort)/ready")
            return status == 503 && body.contains("source 'sse' is retrying: attempt")
        }
        let (_, metrics) = try RunMetricsTests.get("http://127.0.0.1:\(metricsPort)/metrics")
        let retries = metrics.split(separator: "\n").first { $0.hasPrefix("collector_source_retries_total{") && $0.contains("\"sse\"") }
        #expect(retries.map { !$0.hasSuffix(" 0") } == true, "reconnections are counted: \(retries.map(String.init) ?? metrics)")
        let before = try stored().count
        let second = try Server("http_fixture.py", ["--port", String(port)])
        try WatchRunTests.waitUntil("the restarted server's events are stored") { try stored().count >= before + 2 }
        let outcome = running.stop()
        second.stop()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("source_id=sse"), "each failed connection is logged: \(outcome.stderr)")
        let events = try stored()
        #expect(events == Array(1...events.count), "resumed after the last event, none twice: \(events)")
    }

    @Test func aSecondInterruptExits130() throws {
        let dir = try PipelineRunTests.directory()
        let fifo = dir.appendingPathComponent("sink.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // A FIFO nobody reads: the backend waits for a reader, so the first Ctrl-C cannot finish the drain.
        let script = try PipelineRunTests.write("""
            pipeline "p" { from = source.generator { rate = 10 }, to = storage.jsonl { path = "\(fifo)" } }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", "-q", script], interruptAfter: .seconds(1), secondInterruptAfter: .milliseconds(500))
        #expect(outcome.status == 130, "\(outcome.stderr)")
    }
}
