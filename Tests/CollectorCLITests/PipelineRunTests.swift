import Foundation
import Testing

/// `collector run` on scripts that wire pipelines, end to end: real sources,
/// real Lua processors, real SQLite and JSON-lines files.
@Suite("collector run: pipelines")
struct PipelineRunTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("collector-pipelines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// What a second script reads back from a backend.
    static func read(_ lua: String) throws -> String {
        let outcome = try Collector.run(["run", try Collector.script(lua)])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func generatorThroughALuaProcessorIntoSQLite() throws {
        let dir = try Self.directory()
        let db = dir.appendingPathComponent("out.db").path
        _ = try Self.write("""
            return { process = function(r)
              if type(r.value) ~= "number" or r.ts == nil or r.sensor_id == nil then return nil end
              if r.unit == "C" then r.value = r.value * 9 / 5 + 32; r.unit = "F" end
              r.severity = r.value > 90 and "high" or "normal"
              return r
            end }
            """, "proc.lua", in: dir)
        let script = try Self.write("""
            pipeline "readings" {
              from = { source.generator { count = 1000 } },
              process = { processor.file "proc.lua" },
              to = { storage.sqlite { path = "\(db)", table = "readings" } },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let summary = outcome.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasPrefix("pipeline readings: 1000 in, "), "\(summary)")
        #expect(summary.contains("0 failed, 0 dead letters"))
        // out + dropped = in, and what went out is stored.
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let (input, output, dropped) = (numbers[0], numbers[1], numbers[2])
        #expect(output + dropped == input)
        #expect(summary.hasSuffix("stored sqlite:\(db)=\(output)"), "\(summary)")
        let stored = try Self.read("""
            local db = storage.sqlite { path = "\(db)", table = "readings" }
            local rows = db:query { filters = { unit = "C" } }
            local first = db:query { sort_by = "ts", limit = 1 }[1]
            print(db:count(), #rows, first.sensor_id, math.type(first.ts), first.unit ~= "C")
            """)
        #expect(stored == "\(output)\t0\ts-0593\tinteger\ttrue", "\(stored)")
    }

    @Test func aProcessorThatFailsOnSomeRecordsDeadLettersThemAndGoesOn() throws {
        let dir = try Self.directory()
        let input = try Self.write((1...20).map { "{\"n\":\($0)}" }.joined(separator: "\n") + "\n", "in.jsonl", in: dir)
        _ = try Self.write("""
            return function(r)
              if r.n % 5 == 0 then error("no multiples of five: " .. r.n) end
              return r
            end
            """, "fussy.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try Self.write("""
            pipeline "fussy" {
              from = source.file { path = "\(input)" },
              process = { processor.file("fussy.lua", { parallel = 2 }) },
              to = { storage.jsonl { path = "\(out)" } },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("pipeline fussy: 20 in, 16 out, 0 dropped, 4 failed, 4 dead letters; stored jsonl:\(out)=16"),
                "\(outcome.stdout)")
        let stored = try Self.lines(out)
        #expect(stored.count == 16)
        #expect(stored.first?.contains("\"n\":1") == true)
        let letters = try Self.lines(dead)
        #expect(letters.count == 4)
        #expect(letters.allSatisfy { $0.contains("no multiples of five") && $0.contains("fussy.lua:2:") })
        #expect(letters.allSatisfy { $0.contains("\"processor\":\"fussy\"") && $0.contains("script_hash") })
    }

    @Test func aLineThatIsNotJSONIsAFailedRecordWithItsError() throws {
        let dir = try Self.directory()
        let input = try Self.write("{\"a\":1}\nthis is not json\n{\"a\":2}\n", "in.jsonl", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try Self.write("""
            pipeline "lines" {
              from = { source.file { path = "\(input)" } },
              to = { storage.jsonl { path = "\(out)" } },
              dead_letter = storage.jsonl { path = "\(dead)" },
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("3 in, 2 out, 0 dropped, 1 failed, 1 dead letters"), "\(outcome.stdout)")
        #expect(try Self.lines(out).count == 2)
        let letters = try Self.lines(dead)
        #expect(letters.count == 1)
        #expect(letters.first?.contains("this is not json") == true)
        #expect(letters.first?.contains("\"error\"") == true)
    }

    @Test func scriptErrorsCarryTheScriptLine() throws {
        let dir = try Self.directory()
        let cases: [(String, String)] = [
            ("local s = source.ftp { url = 'ftp://x' }", ":1: unknown source type 'source.ftp'"),
            ("\nsource.generator { cont = 1 }", ":2: source.generator: unknown option 'cont' (did you mean 'count'?)"),
            ("source.generator { count = {} }", ":1: source.generator: option 'count' must be an integer, got table"),
            ("pipeline 'x' {\n to = { storage.memory {} } }", ":1: pipeline \"x\": no source"),
            ("pipeline 'x' { from = source.generator {} }", ":1: pipeline \"x\": no storage backend"),
            ("local p = processor.file 'broken.lua'", ":1: processor.file: "),
            ("error('at load')", ":1: at load"),
        ]
        _ = try Self.write("return function(r) return r", "broken.lua", in: dir)
        for (index, (source, expected)) in cases.enumerated() {
            let script = try Self.write(source, "case\(index).lua", in: dir)
            let outcome = try Collector.run(["run", script])
            #expect(outcome.status == 2, "script errors exit 2: \(source)")
            #expect(outcome.stderr.contains("case\(index).lua" + expected), "\(outcome.stderr)")
            // `collector check` finds the same problem, without running anything.
            let checked = try Collector.run(["check", script])
            #expect(checked.status == 2, "\(source)")
            #expect(checked.stderr.contains("case\(index).lua" + expected), "\(checked.stderr)")
        }
        let broken = try Collector.run(["run", dir.appendingPathComponent("case5.lua").path])
        #expect(broken.stderr.contains("broken.lua:1: 'end' expected near <eof>"), "\(broken.stderr)")
        let syntax = try Collector.run(["run", try Self.write("pipeline 'x' {", "syntax.lua", in: dir)])
        #expect(syntax.status == 2)
        #expect(syntax.stderr.contains("syntax.lua:1: "))
    }

    @Test func ctrlCStopsPipelinesGracefullyAndPrintsTheSummary() throws {
        let dir = try Self.directory()
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try Self.write("""
            pipeline "endless" {
              from = { source.generator { rate = 2000 } },
              to = { storage.jsonl { path = "\(out)" } },
              batch_size = 50,
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script], interruptAfter: .milliseconds(1500))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let summary = outcome.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.hasPrefix("pipeline endless: "), "\(summary)")
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers[0] > 0)
        // Everything collected was stored: the drain flushed the last batch.
        #expect(try Self.lines(out).count == numbers[1])
        #expect(summary.hasSuffix("=\(numbers[1])"))
    }

    @Test func severalPipelinesRunConcurrently() throws {
        let dir = try Self.directory()
        let a = dir.appendingPathComponent("a.jsonl").path
        let b = dir.appendingPathComponent("b.db").path
        let script = try Self.write("""
            pipeline "a" { from = { source.generator { count = 30 } }, to = { storage.jsonl { path = "\(a)" } } }
            pipeline "b" { from = { source.generator { count = 40, seed = 7 } }, to = { storage.sqlite { path = "\(b)" } } }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == """
            pipeline a: 30 in, 30 out, 0 dropped, 0 failed, 0 dead letters; stored jsonl:\(a)=30
            pipeline b: 40 in, 40 out, 0 dropped, 0 failed, 0 dead letters; stored sqlite:\(b)=40

            """)
        #expect(try Self.lines(a).count == 30)
    }

    @Test func theQuickstartExampleRunsOffline() throws {
        let dir = try Self.directory()
        let db = dir.appendingPathComponent("quickstart.db").path
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let example = repository.appendingPathComponent("examples/quickstart.lua").path
        let process = Process()
        process.executableURL = Collector.executable
        process.arguments = ["run", example]
        process.environment = ProcessInfo.processInfo.environment.merging(["DB": db]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(stdout.contains("sqlite3 \(db) "), "\(stdout)")
        #expect(stdout.contains("pipeline quickstart: 10000 in, "), "\(stdout)")
        let high = try Self.read("""
            local db = storage.sqlite { path = "\(db)", table = "readings" }
            print(db:count(), #db:query { filters = { severity = "high" } }, #db:query { filters = { unit = "C" } })
            """)
        let parts = high.split(separator: "\t").compactMap { Int($0) }
        #expect(parts.count == 3 && parts[0] > 9000 && parts[1] > 0 && parts[2] == 0, "\(high)")
    }
}

@Suite("collector run: options and check")
struct RunOptionsTests {
    @Test func checkBuildsEverythingAndRunsNothing() throws {
        let dir = try PipelineRunTests.directory()
        let out = dir.appendingPathComponent("never.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "a" { from = source.generator { count = 5 }, to = storage.jsonl { path = "\(out)" } }
            pipeline "b" { from = source.generator { count = 5 }, process = { function(r) return r end }, to = storage.null {} }
            local reports = run()
            print("reports:", reports.a.status, reports.a.input, reports.a.stored["jsonl:\(out)"], reports.b.status)
            """, "check.lua", in: dir)
        let outcome = try Collector.run(["check", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("reports:\tpending\t0\t0\tpending"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("check.lua: ok (2 pipelines: a, b)"))
        #expect(!FileManager.default.fileExists(atPath: out), "check writes nothing")
    }

    /// A script that reads its backends after `run()` checks without
    /// creating their files or asking their servers: the reads find them empty.
    @Test func checkReadsNoBackendAndCreatesNoFile() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            local db = storage.sqlite { path = "results.db" }
            local lines = storage.jsonl { path = "out.jsonl" }
            -- Nothing listens on port 1: connecting would fail.
            local pg = storage.postgres { url = "postgresql://nobody@127.0.0.1:1/none", connect_timeout = "1s" }
            pipeline "load" { from = source.generator { count = 10 }, to = { db, lines, pg } }
            local r = run().load
            print("read:", r.status, db:count(), #db:query { limit = 5 }, lines:count(), pg:count(), #pg:query {})
            """, "report.lua", in: dir)
        let outcome = try Collector.run(["check", script], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("read:\tpending\t0\t0\t0\t0\t0"), "\(outcome.stdout)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files == ["report.lua"], "check wrote \(files)")
    }

    @Test func setAndEnvFileFeedEnvAndRunReturnsReports() throws {
        let dir = try PipelineRunTests.directory()
        let envFile = try PipelineRunTests.write("COUNT=7\nLABEL='from file'\n", "test.env", in: dir)
        let script = try PipelineRunTests.write("""
            local high = 0
            pipeline "p" {
              from = source.generator { count = env("COUNT", 1) },
              process = { function(r) high = high + 1 return r end },
              to = storage.null {},
            }
            local report = run().p
            print(env("LABEL"), env("COUNT", 0), report.input, report.output, high)
            """, "env.lua", in: dir)
        let outcome = try Collector.run(["run", script, "--env-file", envFile, "--set", "COUNT=12", "--quiet"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.hasPrefix("from file\t12\t12\t12\t12\n"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("pipeline p: 12 in, 12 out"), "the summary is always printed")
        #expect(outcome.stderr.isEmpty, "no status line without a terminal: \(outcome.stderr)")
    }

    @Test func badCommandLinesExitTwoAndSayWhy() throws {
        let script = try Collector.script("print('never')")
        let cases: [([String], String)] = [
            (["run", script, "--workers", "0"], "--workers must be a whole number from 1 to 1024, got '0'"),
            (["run", "--frobnicate", script], "unknown option '--frobnicate'"),
            (["run", script, "--set", "NOEQUALS"], "--set takes KEY=VALUE, got 'NOEQUALS'"),
            (["run", script, "--log-level", "loud"], "--log-level must be debug, info, warn or error, got 'loud'"),
            (["run", script, "--env-file", "/nonexistent/x.env"], "cannot read the env file /nonexistent/x.env"),
            (["run"], "missing script"),
            (["run", "/nonexistent/script.lua"], "cannot read /nonexistent/script.lua"),
        ]
        for (arguments, message) in cases {
            let outcome = try Collector.run(arguments)
            #expect(outcome.status == 2, "\(arguments)")
            #expect(outcome.stderr.contains(message), "\(arguments): \(outcome.stderr)")
            #expect(!outcome.stdout.contains("never"))
        }
    }

    @Test func logLinesFollowTheChosenFormat() throws {
        let script = try Collector.script("log.info('hello', { n = 1 }) log.debug('hidden')")
        let json = try Collector.run(["run", script, "--log-format", "json"])
        #expect(json.status == 0)
        #expect(json.stderr.contains(#""level":"info""#) && json.stderr.contains(#""msg":"hello""#) && json.stderr.contains(#""n":"1""#), "\(json.stderr)")
        #expect(!json.stderr.contains("hidden"))
        let debug = try Collector.run(["run", script, "--log-level", "debug"])
        #expect(debug.stderr.contains("level=debug msg=\"hidden\""), "\(debug.stderr)")
    }
}

@Suite("collector run --metrics")
struct RunMetricsTests {
    /// GET over loopback with Python's urllib (the test suite's own dependency): status and body.
    static func get(_ url: String) throws -> (Int, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sys, urllib.request, urllib.error
            try:
                r = urllib.request.urlopen(sys.argv[1], timeout=5); print(r.status); print(r.read().decode())
            except urllib.error.HTTPError as e:
                print(e.code); print(e.read().decode())
            except Exception as e:
                print(0); print(e)
            """, url]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let firstLine = text.prefix { $0 != "\n" }
        return (Int(firstLine) ?? 0, String(text.dropFirst(firstLine.count + 1)))
    }

    static func freePort() throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    @Test func servesMetricsAndReadinessWhileRunningAndDrainsOnSIGTERM() throws {
        let port = try Self.freePort()
        let script = try Collector.script("""
            local seen = metrics.counter("script_seen", "records the script's function saw")
            pipeline "live" {
              from = source.generator { rate = 200 },
              process = { function(r) seen:inc() return r end },
              to = storage.null {},
            }
            """)
        let process = Process()
        process.executableURL = Collector.executable
        process.arguments = ["run", script, "--metrics", "127.0.0.1:\(port)", "--quiet"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var ready = (0, "")
        for _ in 0..<100 {  // up to ~10 s for the pipeline to start
            ready = try Self.get("http://127.0.0.1:\(port)/ready")
            if ready.0 == 200 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(ready.0 == 200, "\(ready)")
        var metrics = (0, "")
        for _ in 0..<100 {  // until the function has counted something
            metrics = try Self.get("http://127.0.0.1:\(port)/metrics")
            if metrics.1.contains("script_seen_total "), !metrics.1.contains("script_seen_total 0\n") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(metrics.0 == 200)
        #expect(metrics.1.contains("collector_processor_records_in_total{pipeline=\"live\""), "\(metrics.1.prefix(2000))")
        #expect(metrics.1.contains("# TYPE script_seen_total counter"))
        #expect(try Self.get("http://127.0.0.1:\(port)/health").0 == 200)
        kill(process.processIdentifier, SIGTERM)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let summary = String(decoding: stdout, as: UTF8.self)
        #expect(summary.contains("pipeline live: "), "the run drains and reports after SIGTERM: \(summary)")
        let inUse = try Collector.run(["run", script, "--metrics", "127.0.0.1:notaport"])
        #expect(inUse.status == 2)
        #expect(inUse.stderr.contains("--metrics 127.0.0.1:notaport"), "\(inUse.stderr)")
    }
}

@Suite("collector run: permissions")
struct PermissionTests {
    /// Permissions do not stop root: as root, the collector runs as `nobody`
    /// (util-linux `setpriv`), so the test runs for every user.
    @Test func anUnreadableFileIsAClearAuthenticationError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unreadable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        chmod(dir.path, 0o755)
        let secret = dir.appendingPathComponent("secret.jsonl").path
        try "{\"a\":1}\n".write(toFile: secret, atomically: true, encoding: .utf8)
        chmod(secret, 0)
        let script = dir.appendingPathComponent("read.lua").path
        try """
            local src = source.file { path = "\(secret)" }
            print(pcall(function() return src:collect() end))
            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o644)
        var launcher: (executable: URL, arguments: [String])?
        if getuid() == 0 {
            let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")
            try #require(FileManager.default.isExecutableFile(atPath: setpriv.path), "util-linux setpriv drops root here")
            launcher = (setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups"])
        }
        let outcome = try Collector.run(["run", script], launcher: launcher, directory: dir)
        let stdout = outcome.stdout
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(stdout.hasPrefix("false\t"), "\(stdout)")
        #expect(stdout.lowercased().contains("permission denied"), "\(stdout)")
        #expect(stdout.contains(secret), "the message names the file: \(stdout)")
    }
}

@Suite("collector run: secrets")
struct SecretsTests {
    @Test func secretsNeverShowInTostringLogsOrEvents() throws {
        let script = try Collector.script("""
            local api = source.http { url = env("API_URL"), token = env("API_TOKEN"), every = "100ms" }
            local db = storage.postgres { url = env("DB_URL"), connect_timeout = "1s" }
            print(tostring(api), tostring(db))
            on("*", function(e) print("EVENT", json.encode(e)) end)
            local p = pipeline "leak" { from = api, to = storage.null {} }
            p:start()
            local t0 = os.time()
            while os.time() - t0 < 2 do p:stats() end
            print("REPORT", json.encode(p:stats()))
            p:stop()
            print("DONE", json.encode(p:wait()))
            print("DB", json.encode(pipeline("db") { from = source.generator { count = 3 }, to = db }:run()))
            """)
        let outcome = try Collector.run([
            "run", script, "--log-format", "json",
            "--set", "API_URL=http://user:pw0rdX@127.0.0.1:1/x?api_key=SECRETKEY", "--set", "API_TOKEN=TOKEN123",
            "--set", "DB_URL=postgresql://u:PGPASSX@127.0.0.1:1/db",
        ])
        // The failures were reported (so the secrets had every chance to leak) ...
        #expect(outcome.stderr.contains("connection refused"), "\(outcome.stderr)")
        #expect(outcome.stdout.contains("EVENT"))
        #expect(outcome.stdout.contains("token ***"))
        // ... and none of them shows anywhere.
        for secret in ["pw0rdX", "SECRETKEY", "TOKEN123", "PGPASSX"] {
            #expect(!outcome.stdout.contains(secret), "\(secret) in the output")
            #expect(!outcome.stderr.contains(secret), "\(secret) in the logs")
        }
    }
}
