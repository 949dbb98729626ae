import Foundation
import Testing

/// JSON input through `collector run`, end to end: one verdict for a
/// document on every path, failures that name their line in the file and
/// stay with their record, limits that hold while input is decoded.
@Suite("collector run: JSON input")
struct JSONInputRunTests {
    /// The dead letters of a JSON-lines file, parsed.
    static func letters(_ path: String) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try PipelineRunTests.lines(path).map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    static func writeBytes(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func aRecordTooLargeForTheProcessorsMemoryFailsAlone() throws {
        let dir = try PipelineRunTests.directory()
        // 200,000 empty arrays: 600 KB of text, tens of MB as Lua tables.
        let big = "{\"id\":2,\"a\":[" + Array(repeating: "[]", count: 200_000).joined(separator: ",") + "]}"
        let input = try PipelineRunTests.write("{\"id\":1}\n\(big)\n{\"id\":3}\n", "in.jsonl", in: dir)
        _ = try PipelineRunTests.write("return { process = function(r) return r end }", "keep.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = source.file { path = "\(input)" },
              process = { processor.file("keep.lua", { memory = "1MB", parallel = 1 }) },
              to = storage.jsonl { path = "\(out)" },
              dead_letter = storage.jsonl { path = "\(dead)" },
              batch_size = 1,
            }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let stored = try PipelineRunTests.lines(out)
        #expect(stored.count == 2 && stored[0].contains("\"id\":1") && stored[1].contains("\"id\":3"), "\(stored)")
        let letters = try Self.letters(dead)
        try #require(letters.count == 1)
        let error = try #require(letters[0]["error"] as? [String: Any])
        let message = error["message"] as? String ?? ""
        #expect(message.contains("memory limit (1MB)"), "\(message)")
        #expect(error["type"] as? String == "limit")
        #expect((letters[0]["record"] as? String)?.hasPrefix("{\"id\":2,") == true, "the refused record keeps its text")
    }

    @Test func jsonDecodeInCoroutinesFinalizersAndDeepCallsDoesNotBreakTheRun() throws {
        let dir = try PipelineRunTests.directory()
        let fields = (1...30).map { "\"k\($0)\":{\"x\":[1,2,{\"y\":[3]}],\"s\":\"v\($0)\"}" }.joined(separator: ",")
        let input = try PipelineRunTests.write(
            (1...500).map { "{\"id\":\($0),\"o\":{\(fields)}}" }.joined(separator: "\n") + "\n", "in.jsonl", in: dir)
        // A processor file: json.decode in a coroutine (first use of the state's decoder
        // there), and near the Lua stack's end under pcall.
        _ = try PipelineRunTests.write("""
            local warm = coroutine.wrap(function() return json.decode('{"w":[1]}') end)()
            local deep = string.rep('{"a":', 150) .. '1' .. string.rep('}', 150)
            local function rec(n)
              local \((1...150).map { "a\($0)" }.joined(separator: ","))
              if n == 0 then return json.decode(deep) ~= nil end
              return (rec(n - 1))
            end
            return { process = function(r)
              local inner = coroutine.wrap(function() return json.decode('{"a":[1,2,3]}') end)()
              r.inner = inner.a[3] + warm.w[1]
              if r.id == 7 then
                local lo, hi = 1, 20000
                while hi - lo > 1 do
                  local mid = (lo + hi) // 2
                  if pcall(rec, mid) then lo = mid else hi = mid end
                end
                r.deepest = lo
              end
              return r
            end }
            """, "decode.lua", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let script = try PipelineRunTests.write("""
            -- The script's own state: a finalizer that decodes JSON (and re-arms itself)
            -- while the engine decodes records into this state for the function below.
            local decoded = 0
            local function arm()
              setmetatable({}, { __gc = function() decoded = decoded + #json.decode('[1,{"b":[2]}]'); arm() end })
            end
            arm()
            pipeline "p" {
              from = source.file { path = "\(input)" },
              process = { processor.file("decode.lua", { parallel = 1 }), function(r) r.o = nil; return r end },
              to = storage.jsonl { path = "\(out)" },
            }
            run()
            print("FINALIZER " .. tostring(decoded > 0))
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("FINALIZER true"), "\(outcome.stdout)")
        let stored = try PipelineRunTests.lines(out)
        #expect(stored.count == 500)
        #expect(stored.allSatisfy { $0.contains("\"inner\":4") })
        #expect(stored[6].contains("\"deepest\":"), "\(stored[6])")
    }

    @Test func aBadLineIsNamedByItsLineInTheFile() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write("{\"a\":1}\n\n\n{\"b\":2}\n\n{\"c\":3}\n[1,]\n{\"d\":4}\n", "in.jsonl", in: dir)
        _ = try PipelineRunTests.write("return { process = function(r) return r end }", "keep.lua", in: dir)
        for process in ["", "process = { processor.file 'keep.lua' },"] {
            let dead = dir.appendingPathComponent("dead-\(process.isEmpty ? "native" : "lua").jsonl").path
            let script = try PipelineRunTests.write("""
                pipeline "p" { from = source.file { path = "\(input)" }, \(process)
                  to = storage.null {}, dead_letter = storage.jsonl { path = "\(dead)" } }
                """, "main.lua", in: dir)
            let outcome = try Collector.run(["run", script])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            let letters = try Self.letters(dead)
            try #require(letters.count == 1, "\(process)")
            let error = try #require(letters[0]["error"] as? [String: Any])
            let details = try #require(error["details"] as? [String: Any])
            #expect(details["line"] as? Int == 7, "\(process): \(details)")
            #expect(details["column"] as? Int == 3)
            #expect(error["message"] as? String == "unexpected character ',' at line 7, column 3: trailing comma in array")
            #expect(outcome.stderr.contains("line=7"), "\(outcome.stderr)")
        }
    }

    @Test func aDocumentThatIsNotUTF8IsADeadLetterOnEveryPath() throws {
        let dir = try PipelineRunTests.directory()
        let bad = try Self.writeBytes(Array("{\"ok\":1}\n[\"".utf8) + [0xFF] + Array("\"]\n{\"ok\":3}\n".utf8), "bad.jsonl", in: dir)
        let whole = try Self.writeBytes(Array("[\"".utf8) + [0xFF] + Array("\"]".utf8), "bad.json", in: dir)
        let out = dir.appendingPathComponent("out.jsonl").path
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" {
              from = { source.file { path = "\(bad)", id = "lines" },
                       source.file { path = "\(whole)", mode = "whole", format = "json", id = "whole" } },
              to = storage.jsonl { path = "\(out)" }, dead_letter = storage.jsonl { path = "\(dead)" } }
            local r = run().p
            print(("REPORT failed=%d dead_letters=%d"):format(r.failed, r.dead_letters))
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("REPORT failed=2 dead_letters=2"), "\(outcome.stdout)")
        #expect(try PipelineRunTests.lines(out).count == 2)
        let letters = try Self.letters(dead).sorted { ($0["source_id"] as? String ?? "") < ($1["source_id"] as? String ?? "") }
        try #require(letters.count == 2)
        for (letter, where_) in zip(letters, ["at line 2, column 3", "at byte 2 (line 1, column 3)"]) {
            let error = try #require(letter["error"] as? [String: Any])
            #expect(error["message"] as? String == "invalid UTF-8 byte 0xFF \(where_): the input must be UTF-8")
            // The bytes are kept.
            let record = try #require(letter["record"] as? [String: Any])
            #expect(record["base64"] as? String == Data([0x5B, 0x22, 0xFF, 0x22, 0x5D]).base64EncodedString())
        }
    }

    @Test func tablesAndHugeMessagesRaisedByProcessors() throws {
        let dir = try PipelineRunTests.directory()
        let input = try PipelineRunTests.write("{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n", "in.jsonl", in: dir)
        _ = try PipelineRunTests.write("""
            return { process = function(r)
              if r.id == 2 then error({ code = 42, reason = "quota exceeded" }) end
              if r.id == 3 then error(string.rep("E", 4 * 1024 * 1024)) end
              return r
            end }
            """, "raise.lua", in: dir)
        let dead = dir.appendingPathComponent("dead.jsonl").path
        let script = try PipelineRunTests.write("""
            pipeline "p" { from = source.file { path = "\(input)" }, process = { processor.file("raise.lua", { parallel = 1 }) },
              to = storage.null {}, dead_letter = storage.jsonl { path = "\(dead)" } }
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let letters = try Self.letters(dead).sorted { ($0["sequence"] as? Int ?? 0) < ($1["sequence"] as? Int ?? 0) }
        try #require(letters.count == 2)
        let table = try #require(letters[0]["error"] as? [String: Any])
        #expect(table["message"] as? String == #"{ code = 42, reason = "quota exceeded" }"#)
        let value = try #require((table["details"] as? [String: Any])?["error_value"] as? [String: Any])
        #expect(value["code"] as? Int == 42 && value["reason"] as? String == "quota exceeded")
        let huge = try #require(letters[1]["error"] as? [String: Any])
        let message = huge["message"] as? String ?? ""
        // The position prefix ("…/raise.lua:3: ") counts in the length too.
        #expect(message.utf8.count < 8192 && message.contains("EEEE... (message cut: 41943"), "\(message.suffix(80))")
        #expect(message.hasSuffix(" bytes in all)"))
        let longest = outcome.stderr.split(separator: "\n").map(\.utf8.count).max() ?? 0
        #expect(longest < 16384, "no log line carries the whole message")
    }

    @Test func aDocumentGetsOneVerdictOnEveryPath() throws {
        let dir = try PipelineRunTests.directory()
        _ = try PipelineRunTests.write("return function(r) return r end", "keep.lua", in: dir)
        // Canonically equivalent keys ("é" composed and decomposed) and a deep record.
        let keys = try Self.writeBytes(Array("{\"\u{E9}\":1,\"e\u{301}\":2}\n".utf8), "keys.jsonl", in: dir)
        let deep = "{\"a\":" + String(repeating: "[", count: 299) + String(repeating: "]", count: 299) + "}"
        let deepFile = try PipelineRunTests.write(deep + "\n", "deep.jsonl", in: dir)
        let script = try PipelineRunTests.write("""
            local function count(path) local n = 0 for _ in io.lines(path) do n = n + 1 end return n end
            for _, input in ipairs { "keys", "deep" } do
              local path = "\(dir.path)/" .. input .. ".jsonl"
              pipeline(input .. "-native") { from = source.file { path = path, id = input .. "n" },
                to = storage.jsonl { path = "\(dir.path)/" .. input .. "-native.out" } }
              pipeline(input .. "-lua") { from = source.file { path = path, id = input .. "l" }, process = { processor.file "keep.lua" },
                to = storage.jsonl { path = "\(dir.path)/" .. input .. "-lua.out" } }
            end
            run()
            local n = 0
            for _ in pairs(json.decode(io.open("\(keys)"):read("l"))) do n = n + 1 end
            print("DECODE keys=" .. n .. " deep=" .. tostring((pcall(json.decode, io.open("\(deepFile)"):read("l")))))
            local mem = storage.memory { id = "mem" }
            pipeline "m" { from = source.file { path = "\(deepFile)", id = "m" }, to = mem }
            run()
            print("QUERY " .. #mem:query {})
            """, "main.lua", in: dir)
        let outcome = try Collector.run(["run", script], directory: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("DECODE keys=2 deep=true"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("QUERY 1"), "\(outcome.stdout) \(outcome.stderr)")
        for path in ["native", "lua"] {
            let stored = try Data(contentsOf: dir.appendingPathComponent("keys-\(path).out"))
            #expect(stored.range(of: Data("\"\u{E9}\":".utf8)) != nil && stored.range(of: Data("\"e\u{301}\":".utf8)) != nil, "\(path)")
            #expect(try PipelineRunTests.lines(dir.appendingPathComponent("deep-\(path).out").path) == [deep], "\(path)")
        }
    }
}
