import CollectorConnectors
import CollectorScripting
import Collectors
import CollectorValues
import Foundation
import LuaRuntime
import Testing

/// The engine's Lua API (`source`, `storage`, `processor`, `pipeline`) in a state of its own.
/// Serialized: the bindings wait for engine work synchronously, which must not hold many
/// threads of the concurrency pool at once.
@Suite("script bindings", .serialized)
struct BindingsTests {
        /// A full-profile state with the bindings, as `collector run` makes it.
    static func state(base: String = "/tmp/script.lua") throws -> (LuaState, ScriptBindings) {
        let lua = try LuaState(LuaOptions(libraries: .full))
        let bindings = try ScriptBindings(installingIn: lua, scriptPath: base,
            connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool)
        return (lua, bindings)
    }

    /// The message of the error `source` raises (chunk named `script.lua`).
    static func error(_ source: String, in lua: LuaState) -> String {
        do {
            _ = try lua.call(try lua.load(source, name: "@script.lua"))
            return "(no error)"
        } catch {
            return error.message
        }
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bindings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A program that runs many scripts does not keep them: once its last
    /// reference goes, a state that ran pipelines and registered handlers is
    /// released with its bindings, whether it was closed or not.
    @Test(arguments: [true, false])
    func aStateThatRanPipelinesIsReleasedWithItsBindings(closed: Bool) throws {
        weak var weakState: LuaState?
        weak var weakBindings: ScriptBindings?
        do {
            let (lua, bindings) = try Self.state()
            weakState = lua
            weakBindings = bindings
            _ = try lua.call(try lua.load("""
                local g = source.generator { count = 3 }
                pipeline "p" { from = g, process = { function(r) return r end }, to = storage.memory {} }
                on("error", function() end)
                """, name: "@script.lua"))
            try bindings.runPendingPipelines()
            #expect(bindings.outcomes.first?.succeeded == true)
            if closed { lua.close() }
        }
        #expect(weakState == nil)
        #expect(weakBindings == nil)
    }

    @Test func anUnknownOptionIsNamedWithASuggestionAndTheScriptLine() throws {
        let (lua, _) = try Self.state()
        let message = Self.error("\nlocal g = source.generator { cuont = 5 }", in: lua)
        #expect(message.hasPrefix("script.lua:2: source.generator: unknown option 'cuont' (did you mean 'count'?)"), "\(message)")
    }

    @Test func aWrongOptionTypeSaysWhatWasExpected() throws {
        let (lua, _) = try Self.state()
        #expect(Self.error("source.generator { count = 'many' }", in: lua)
            == "script.lua:1: source.generator: option 'count' must be an integer, got string")
        #expect(Self.error("source.http { url = 'http://x', every = 'soon' }", in: lua).contains(
            "option 'every' must be a duration (\"250ms\", \"10s\", \"1m\", \"1h\" or seconds), got \"soon\""))
        #expect(Self.error("source.file { path = 'x', mode = 'chunks' }", in: lua).contains(
            "option 'mode' must be one of \"lines\", \"whole\", got \"chunks\""))
    }

    @Test func anUnknownSourceTypeIsNilAndCallingItIsExplained() throws {
        let (lua, bindings) = try Self.state()
        #expect(try lua.run("return tostring(source.ftp == nil), type(storage.kafkaa)").map(\.stringValue) == ["true", "nil"])
        let message = bindings.explain(Self.error("local s = source.ftp { url = 'ftp://x' }", in: lua))
        #expect(message.hasPrefix("script.lua:1: unknown source type 'source.ftp'"), "\(message)")
        #expect(message.contains("source types are: generator, file, follow, stdin, command, http"))
    }

    @Test func aRequiredOptionIsChecked() throws {
        let (lua, _) = try Self.state()
        #expect(Self.error("source.file {}", in: lua)
            == "script.lua:1: source.file: option 'path' is required (the file to read (relative to the working directory), or a pattern of files (`*`, `?`, `[abc]`, `**`), read in name order)")
        #expect(Self.error("source.http { url = 'ftp://x' }", in: lua).contains("must be an http or https URL"))
    }

    @Test func sourcesDescribeThemselvesWithoutTokens() throws {
        let (lua, _) = try Self.state()
        let text = try lua.run(
            "return tostring(source.http { url = 'https://api.example.com/v1?key=s3cret', token = 'T0KEN', every = '250ms' })")
        let description = text.first?.stringValue ?? ""
        #expect(description.contains("source.http(http-1, https://api.example.com/v1?..., every 250ms, token ***)"), "\(description)")
        #expect(!description.contains("T0KEN") && !description.contains("s3cret"))
        let minutes = try lua.run("return tostring(source.http { url = 'http://h/', every = '2m' })")
        #expect(minutes.first?.stringValue?.contains("every 2m") == true)
        let seconds = try lua.run("return tostring(source.http { url = 'http://h/', every = 90 })")
        #expect(seconds.first?.stringValue?.contains("every 90s") == true)
    }

    @Test func aGeneratorCollectsOneItemAsATable() throws {
        let (lua, _) = try Self.state()
        let values = try lua.run("""
            local g = source.generator { count = 3, seed = 20251128, batch = 1 }
            local item = g:collect()
            return item.source_id, item.format, item.data.sensor_id, math.type(item.data.ts), g.id
            """)
        #expect(values.map { $0.stringValue ?? "" } == ["generator-1", "json", "s-0593", "integer", "generator-1"])
    }

    @Test func aFileSourceCollectsJSONOrText() throws {
        let directory = try Self.temporaryDirectory()
        let file = directory.appendingPathComponent("in.jsonl")
        try "{\"a\":1}\nnot json\n".write(to: file, atomically: true, encoding: .utf8)
        let (lua, _) = try Self.state()
        let values = try lua.run("""
            local f = source.file { path = '\(file.path)' }
            local first, second = f:collect(), f:collect()
            return first.data.a, second.data
            """)
        #expect(values.first?.integerValue == 1)
        #expect(values.last?.stringValue == "not json")
    }

    @Test func sizesAndDurationsOfAProcessorAreChecked() throws {
        let directory = try Self.temporaryDirectory()
        let file = directory.appendingPathComponent("p.lua")
        try "return function(r) return r end".write(to: file, atomically: true, encoding: .utf8)
        let (lua, _) = try Self.state(base: directory.appendingPathComponent("main.lua").path)
        let ok = try lua.run(
            "return tostring(processor.file('p.lua', { memory = '8MB', instructions = 1e7, timeout = '1s', parallel = 2 }))")
        #expect(ok.first?.stringValue == "processor.file(p.lua, 2 states)")
        let one = try lua.run("return tostring(processor.file('p.lua', { parallel = false }))")
        #expect(one.first?.stringValue == "processor.file(p.lua, 1 state)")
        #expect(Self.error("processor.file('p.lua', { parallel = 'two' })", in: lua).contains(
            "option 'parallel' must be an integer"))
        #expect(Self.error("processor.file('p.lua', { memory = 'lots' })", in: lua).contains(
            "option 'memory' must be a size (\"64KB\", \"5MB\", \"1GB\" or bytes), got \"lots\""))
        #expect(Self.error("processor.file('p.lua', { timout = '1s' })", in: lua).contains(
            "unknown option 'timout' (did you mean 'timeout'?)"))
        #expect(Self.error("processor.file('missing.lua')", in: lua).contains("processor.file: cannot read"))
    }

    /// The three documented forms: a path, a path and options, one table of options with `path`.
    @Test func aProcessorFileIsGivenByPathOrByATableOfOptions() throws {
        let directory = try Self.temporaryDirectory()
        let file = directory.appendingPathComponent("p.lua")
        try "return function(r) return r end".write(to: file, atomically: true, encoding: .utf8)
        let (lua, _) = try Self.state(base: directory.appendingPathComponent("main.lua").path)
        let forms = try lua.run("""
            return tostring(processor.file "p.lua"), tostring(processor.file("p.lua", { parallel = 2 })),
              tostring(processor.file { path = "p.lua", parallel = 3, name = "named" })
            """)
        #expect(forms.first?.stringValue?.hasPrefix("processor.file(p.lua, ") == true)
        #expect(forms.dropFirst().map(\.stringValue) == ["processor.file(p.lua, 2 states)", "processor.file(p.lua, 3 states)"])
        // The table form checks its options as the other forms do, and needs its path.
        #expect(Self.error("processor.file { path = 'p.lua', parallel = 'two' }", in: lua).contains(
            "option 'parallel' must be an integer"))
        #expect(Self.error("processor.file { parallel = 1 }", in: lua).contains("'path'"))
        #expect(Self.error("processor.file { path = 'missing.lua' }", in: lua).contains("processor.file: cannot read"))
        // Ambiguous or wrong calls say what is expected instead of picking one.
        #expect(Self.error("processor.file('p.lua', { path = 'other.lua' })", in: lua).contains("the path is given twice"))
        #expect(Self.error("processor.file({ path = 'p.lua' }, { parallel = 1 })", in: lua).contains("give the options once"))
        #expect(Self.error("processor.file(42)", in: lua).contains("expected a path"))
        #expect(Self.error("processor.file()", in: lua).contains("expected a path"))
    }

    /// `config` reaches `init(ctx)` as `ctx.config` in every state, and in the
    /// inline tests, one of which may set a config of its own.
    @Test func aProcessorFileGetsItsConfigInInit() throws {
        let directory = try Self.temporaryDirectory()
        try """
            local M = {}
            local tag, max
            function M.init(ctx)
              tag = ctx.config and ctx.config.tag or "none"
              max = ctx.config and ctx.config.limits and ctx.config.limits.max or 0
            end
            function M.process(r) return { tag = tag, max = max } end
            M.tests = {
              { input = { v = 1 }, output = { tag = "site-a", max = 3 } },
              { config = { tag = "in-test", limits = { max = 9 } }, input = { v = 2 }, output = { tag = "in-test", max = 9 } },
            }
            return M
            """.write(to: directory.appendingPathComponent("cfg.lua"), atomically: true, encoding: .utf8)
        let (lua, bindings) = try Self.state(base: directory.appendingPathComponent("main.lua").path)
        _ = try lua.run("""
            mem = storage.memory {}
            pipeline "p" {
              from = source.generator { count = 4 },
              process = { processor.file("cfg.lua", { parallel = 2, config = { tag = "site-a", limits = { max = 3 }, on = true, ratio = 0.5, list = { "x", "y" } } }) },
              to = mem,
            }
            """)
        let outcomes = try bindings.runPendingPipelines()
        #expect(outcomes.allSatisfy { $0.succeeded }, "\(outcomes.map(\.summary))")
        let values = try lua.run("local rows = mem:query {} return #rows, rows[1].tag, rows[1].max, rows[4].tag")
        #expect(values[0].integerValue == 4)
        #expect(values[1].stringValue == "site-a" && values[3].stringValue == "site-a")
        #expect(values[2].integerValue == 3)
        // Without the config its first inline test fails: the file does not load.
        #expect(Self.error("processor.file 'cfg.lua'", in: lua).contains("none"))
        // Only plain data: the value is copied into each state.
        #expect(Self.error("processor.file('cfg.lua', { config = 'site-a' })", in: lua).contains(
            "option 'config' must be a table of plain data, got string"))
        #expect(Self.error("processor.file('cfg.lua', { config = { f = print } })", in: lua).contains(
            "option 'config' must be plain data"))
        #expect(Self.error("processor.file('cfg.lua', { config = { tag = 'a', limits = { max = json.null } } })", in: lua).contains(
            "config.limits.max is json.null"))
    }

    @Test func aProcessorFileWithASyntaxErrorNamesTheFileAndLine() throws {
        let directory = try Self.temporaryDirectory()
        try "local x = = 1".write(to: directory.appendingPathComponent("bad.lua"), atomically: true, encoding: .utf8)
        let (lua, _) = try Self.state(base: directory.appendingPathComponent("main.lua").path)
        let message = Self.error("\n\nlocal p = processor.file 'bad.lua'", in: lua)
        #expect(message.hasPrefix("script.lua:3: processor.file: "), "\(message)")
        #expect(message.contains("bad.lua:1: unexpected symbol near '='"), "\(message)")
    }

    @Test func aPipelineNeedsASourceAndABackend() throws {
        let (lua, bindings) = try Self.state()
        #expect(Self.error("pipeline 'p' { to = { storage.memory {} } }", in: lua)
            == "script.lua:1: pipeline \"p\": no source (from = { source.generator{...}, ... })")
        #expect(Self.error("pipeline 'p' { from = { source.generator { count = 1 } } }", in: lua)
            == "script.lua:1: pipeline \"p\": no storage backend (to = { storage.sqlite{...}, ... })")
        #expect(Self.error("pipeline 'p' { from = { 42 }, to = { storage.memory {} } }", in: lua).contains(
            "option 'from' must be a list of sources, got a number in it"))
        #expect(Self.error("pipeline 'p' { form = {} }", in: lua).contains("unknown option 'form' (did you mean 'from'?)"))
        #expect(bindings.pipelines.isEmpty)
    }

    @Test func aPipelineTakesAConnectTimeout() async throws {
        let (lua, bindings) = try Self.state()
        _ = try lua.run("""
            pipeline "quick" { from = source.generator { count = 1 }, to = storage.null {}, connect_timeout = "250ms" }
            pipeline "default" { from = source.generator { count = 1 }, to = storage.null {} }
            """)
        #expect(bindings.pipelines.map(\.connectTimeout) == [.milliseconds(250), .seconds(10)])
        let pipeline = try bindings.pipelines[0].makePipeline()
        #expect(await pipeline.configuration.connectTimeout == .milliseconds(250))
        #expect(Self.error("pipeline 'x' { from = source.generator {}, to = storage.null {}, connect_timeout = 'soon' }", in: lua)
            .contains("option 'connect_timeout' must be a duration"))
        #expect(Self.error("pipeline 'y' { from = source.generator {}, to = storage.null {}, connect_timeout = 0 }", in: lua)
            .contains("pipeline \"y\": option 'connect_timeout' must be positive"))
    }

    @Test func aPipelineRunsIntoMemoryAndCanBeQueried() throws {
        let (lua, bindings) = try Self.state()
        _ = try lua.run("""
            mem = storage.memory {}
            pipeline "gen" {
              from = { source.generator { count = 50 } },
              process = { processor.json_validate { required = { "sensor_id", "value", "ts" } } },
              to = mem,
              batch_size = 10,
            }
            """)
        #expect(bindings.pipelines.map(\.name) == ["gen"])
        let outcomes = try bindings.runPendingPipelines()
        #expect(outcomes.allSatisfy { $0.succeeded })
        #expect(outcomes.count == 1)
        #expect(outcomes[0].summary.hasPrefix("pipeline gen: 50 in, "), "\(outcomes[0].summary)")
        #expect(try bindings.runPendingPipelines().isEmpty, "a pipeline runs once")
        let values = try lua.run("""
            local rows = mem:query { filters = { sensor_id = "s-0593" }, limit = 5 }
            local sorted = mem:query { sort_by = "ts", order = "desc", limit = 2 }
            return mem:count(), #rows, rows[1].sensor_id, #sorted, sorted[1].ts > sorted[2].ts
            """)
        let count = values[0].integerValue ?? 0
        #expect(count > 40 && count <= 50)
        #expect(values[1].integerValue == 1)
        #expect(values[2].stringValue == "s-0593")
        #expect(values[3].integerValue == 2)
        #expect(values[4].booleanValue == true)
    }

    @Test func functionsInTheScriptProcessRecordsAndShareItsVariables() throws {
        let (lua, bindings) = try Self.state()
        let values = try lua.run("""
            local seen, kinds = 0, {}
            local out = storage.memory {}
            pipeline "fn" {
              from = { source.generator { count = 200 } },
              process = {
                function(r) seen = seen + 1 if seen % 2 == 0 then return nil end return r end,
                function(r, emit) r.n = seen emit({ copy_of = r.sensor_id }) return r end,
              },
              to = out,
              batch_size = 7,
            }
            local reports = run()
            return seen, reports.fn.input, reports.fn.output, reports.fn.dropped, out:count(), reports.fn.status
            """)
        #expect(values[0].integerValue == 200)
        #expect(values[1].integerValue == 200)
        #expect(values[2].integerValue == 200)  // 100 kept, each plus one emitted copy
        #expect(values[3].integerValue == 100)
        #expect(values[4].integerValue == 200)
        #expect(values[5].stringValue == "completed")
        #expect(bindings.outcomes.count == 1)
    }

    @Test func aFunctionThatFailsOrLoopsFailsItsRecordOnly() throws {
        let (lua, _) = try Self.state()
        let values = try lua.run("""
            local dead = storage.memory {}
            pipeline "bad" {
              from = { source.generator { count = 20 } },
              process = { function(r)
                if r.sensor_id == nil then return r end
                local n = tonumber(r.sensor_id:sub(-1))
                if n == 3 then error("three is bad") end
                if n == 5 then while true do end end
                return r
              end },
              to = storage.memory {},
              dead_letter = dead,
            }
            local report = run().bad
            local letters = dead:query {}
            local messages = {}
            for _, letter in ipairs(letters) do messages[#messages + 1] = letter.error.message end
            table.sort(messages)
            return report.failed, report.dead_letters, report.output + report.failed + report.dropped, messages[1], messages[#messages]
            """)
        let failed = values[0].integerValue ?? -1
        #expect(failed >= 2)
        #expect(values[1].integerValue == Int64(failed))
        #expect(values[2].integerValue == 20)
        #expect(values[3].stringValue?.contains("three is bad") == true || values[4].stringValue?.contains("three is bad") == true)
        let all = [values[3].stringValue ?? "", values[4].stringValue ?? ""].joined(separator: "|")
        #expect(all.contains("instruction") || all.contains("time limit") || all.contains("limit"), "\(all)")
    }

    @Test func eventsReachHandlersInTheScript() throws {
        let (lua, _) = try Self.state()
        let values = try lua.run("""
            local stopped, batches, all = nil, 0, 0
            on("pipeline_stopped", function(e) stopped = e.data.status end)
            on("processing_complete", function(e) batches = batches + 1 end)
            local off = on("*", function(e) all = all + 1 end)
            pipeline "ev" { from = { source.generator { count = 30 } }, to = storage.null {}, batch_size = 10 }
            run()
            off()
            return stopped, batches, all > batches
            """)
        #expect(values[0].stringValue == "completed")
        #expect((values[1].integerValue ?? 0) >= 1)
        #expect(values[2].booleanValue == true)
    }

    @Test func envIsTypedByItsDefault() throws {
        let lua = try LuaState(LuaOptions(libraries: .full))
        let environment = ScriptEnvironment(
            overrides: ["PORT": "8080", "RATE": "2.5", "ON": "yes", "BAD": "x"], fileValues: ["FROM_FILE": "f", "PORT": "1"],
            process: ["NAME": "proc", "EMPTY": ""])
        _ = try ScriptBindings(installingIn: lua, scriptPath: "t.lua", environment: environment,
            connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool)
        let values = try lua.run("""
            return env("PORT", 1), math.type(env("PORT", 1)), env("RATE", 1.0), env("ON", false),
                   env("NAME"), env("FROM_FILE"), env("MISSING", "dflt"), env("EMPTY", "e"), env("MISSING")
            """)
        #expect(values[0].integerValue == 8080)
        #expect(values[1].stringValue == "integer")
        #expect(values[2].numberValue == 2.5)
        #expect(values[3].booleanValue == true)
        #expect(values[4].stringValue == "proc")
        #expect(values[5].stringValue == "f")
        #expect(values[6].stringValue == "dflt")
        #expect(values[7].stringValue == "e")
        if values.count > 8, case .nil = values[8] {} else if values.count > 8 { Issue.record("env of a missing variable without a default is nil") }
        let error = #expect(throws: LuaError.self) { try lua.run("return env('BAD', 3)") }
        #expect(error?.message.contains("env: BAD is 'x', expected a number") == true)
    }

    @Test func envFilesParseAndSayWhereTheyAreWrong() throws {
        let values = try ScriptEnvironment.parseEnvFile("""
            # comment
            export A=1
            B = "two words \\"quoted\\" \\n" # kept
            C='single # not a comment'
            D=plain # comment

            """, path: ".env")
        #expect(values == ["A": "1", "B": "two words \"quoted\" \n", "C": "single # not a comment", "D": "plain"])
        #expect(throws: ScriptEnvironment.FileError.self) { try ScriptEnvironment.parseEnvFile("A=1\nnot a pair", path: ".env") }
        do {
            _ = try ScriptEnvironment.parseEnvFile("A=1\n1BAD=2", path: "x.env")
            Issue.record("a bad name was accepted")
        } catch {
            #expect(error.description == "x.env:2: '1BAD' is not a valid variable name")
        }
    }

    @Test func jsonDecodeSaysWhichLimitStoppedIt() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, memoryLimit: 4 << 20))
        let sink = LogSink(.init(level: .info, format: .logfmt)) { _ in }
        _ = try ScriptBindings(installingIn: lua, scriptPath: "t.lua", log: sink,
            connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool)
        let values = try lua.run("""
            local big = '[' .. string.rep('[],', 200000) .. '[]]'
            local ok, memory = pcall(json.decode, big)
            big = nil
            collectgarbage()
            local ok2, stack = pcall(function() return json.decode(string.rep('{"a":', 300) .. '1' .. string.rep('}', 300)) end)
            return ok, memory, ok2, type(stack) == "table" and stack.a.a.a ~= nil, #json.decode('[1,2,3]')
            """)
        #expect(values[0].booleanValue == false)
        let message = values[1].stringValue ?? ""
        #expect(message.contains("json.decode: not enough memory: decoding JSON input reached the memory limit (4MB) at byte"), "\(message)")
        #expect(values[2].booleanValue == true && values[3].booleanValue == true)
        #expect(values[4].integerValue == 3, "the state goes on")
    }

    @Test func textThatIsNotUTF8IsRefusedSayingSo() throws {
        let lua = try LuaState(LuaOptions(libraries: .full))
        let sink = LogSink(.init(level: .info, format: .logfmt)) { _ in }
        _ = try ScriptBindings(installingIn: lua, scriptPath: "t.lua", log: sink,
            connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool)
        let values = try lua.run("""
            local _, name = pcall(metrics.counter, "bad\\255", "help")
            local _, label = pcall(metrics.counter, "labelled", "help", { "site\\255" })
            local c = metrics.counter("fine", "help", { "site" })
            local _, value = pcall(c.inc, c, 1, { site = "\\255" })
            local _, option = pcall(storage.jsonl, { path = "a\\255.jsonl" })
            local _, key = pcall(storage.jsonl, { ["pa\\255th"] = "a.jsonl" })
            return name, label, value, option, key
            """)
        let messages = values.map { $0.stringValue ?? "" }
        #expect(messages[0].contains("bad argument #1 to 'metrics.counter' (string is not valid UTF-8: invalid UTF-8 byte 0xFF at byte 3)"), "\(messages[0])")
        #expect(messages[1].contains("label names must be strings, got string that is not valid UTF-8 (invalid UTF-8 byte 0xFF at byte 4)"), "\(messages[1])")
        #expect(messages[2].contains("label 'site' must be text, got string that is not valid UTF-8"), "\(messages[2])")
        #expect(messages[3].contains("option 'path' must be a string, got string that is not valid UTF-8 (invalid UTF-8 byte 0xFF at byte 1)"), "\(messages[3])")
        #expect(messages[4].contains("options are named (name = value), got a string that is not valid UTF-8 (invalid UTF-8 byte 0xFF at byte 2) key"), "\(messages[4])")
        for message in messages { #expect(!message.contains("got string)"), "\(message)") }
    }

    @Test func jsonAndLogAreThereForScripts() throws {
        let lines = Locked([String]())
        let lua = try LuaState(LuaOptions(libraries: .full))
        let sink = LogSink(.init(level: .info, format: .logfmt)) { line in lines.withLock { $0.append(line) } }
        _ = try ScriptBindings(installingIn: lua, scriptPath: "t.lua", log: sink,
            connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool)
        let values = try lua.run("""
            local t = json.decode('{"a":[1,2.0,null],"e":[],"o":{}}')
            log.debug("not shown")
            log.warn("careful", 42, { who = "me" })
            return json.encode(t, { sort_keys = true }), math.type(t.a[2]), t.a[3] == json.null,
                   json.encode(json.array({})), json.encode(json.object({})), pcall(json.decode, "{bad")
            """)
        #expect(values[0].stringValue == #"{"a":[1,2.0,null],"e":[],"o":{}}"#)
        #expect(values[1].stringValue == "float")
        #expect(values[2].booleanValue == true)
        #expect(values[3].stringValue == "[]")
        #expect(values[4].stringValue == "{}")
        #expect(values[5].booleanValue == false)
        #expect(values[6].stringValue?.contains("json.decode: unexpected character 'b'") == true)
        let logged = lines.withLock { $0 }
        #expect(logged.count == 1)
        #expect(logged.first?.contains(#"level=warn msg="careful 42" who=me"#) == true, "\(logged)")
    }

    @Test func anSQLiteBackendWithoutRecordIDsBehindASpoolIsWarnedAbout() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = Locked([String]())
        let lua = try LuaState(LuaOptions(libraries: .full))
        let sink = LogSink(.init(level: .info, format: .logfmt)) { line in lines.withLock { $0.append(line) } }
        let bindings = try ScriptBindings(
            installingIn: lua, scriptPath: dir.appendingPathComponent("bulk.lua").path, log: sink,
            settings: .init(checkOnly: true), connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool)
        try lua.run("""
            local gen = source.generator { count = 1 }
            local bulk = storage.sqlite { path = "\(dir.path)/bulk.db", table = "readings", record_ids = false }
            pipeline "spooled" { from = gen, to = bulk }
            pipeline "unspooled" { from = source.generator { count = 1 }, to = bulk, spool = false }
            pipeline "with_ids" { from = source.generator { count = 1 }, to = storage.sqlite { path = "\(dir.path)/ids.db" } }
            """)
        let logged = lines.withLock { $0 }
        #expect(logged.count == 1, "only the pipeline with a spool: \(logged)")
        #expect(logged.first?.contains("level=warn") == true, "\(logged)")
        #expect(logged.first?.contains(#"pipeline \"spooled\": sqlite:"#) == true, "\(logged)")
        #expect(logged.first?.contains("has record_ids = false, so records replayed from the spool bulk.spool.db may be stored twice") == true, "\(logged)")
        #expect(bindings.pipelines.map(\.name) == ["spooled", "unspooled", "with_ids"])
    }

    @Test func postgresTakesABatchMethod() throws {
        let (lua, _) = try Self.state()
        for method in ["copy", "insert"] {
            let source = #"storage.postgres { url = "postgresql://u:p@127.0.0.1:1/db", batch_method = "\#(method)" }"#
            #expect(Self.error(source, in: lua) == "(no error)", "\(method)")
        }
        let wrong = Self.error(#"storage.postgres { url = "postgresql://u:p@127.0.0.1:1/db", batch_method = "bulk" }"#, in: lua)
        #expect(wrong.contains(#"option 'batch_method' must be one of "copy", "insert", got "bulk""#), "\(wrong)")
    }

    @Test func aPipelineThatWouldReadItsOwnOutputIsRejected() throws {
        let (lua, _) = try Self.state()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cycle-\(UUID().uuidString).jsonl").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: LuaError.self) {
            try lua.run("""
                local f = source.file { path = "\(path)" }
                pipeline "loop" { from = f, to = storage.jsonl { path = "\(path)" } }
                """)
        }
        #expect(error?.message.contains("the pipeline would read its own output (a cycle)") == true, "\(error?.message ?? "")")
    }

    @Test func aggregatesAndMetricsAreReadableFromTheScript() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
            local seen = metrics.counter("test_seen", "records seen by the processor")
            local depth = metrics.gauge("test_depth", "a gauge", { "kind" })
            return function(r) seen:inc() depth:set(3, { kind = "x" }) return r end
            """.write(to: dir.appendingPathComponent("count.lua"), atomically: true, encoding: .utf8)
        let (lua, bindings) = try Self.state(base: dir.appendingPathComponent("main.lua").path)
        let values = try lua.run("""
            local tally = processor.aggregate { count = { "unit" }, stats = { "ts" } }
            pipeline "m" {
              from = source.generator { count = 100 },
              process = { processor.file("count.lua", { parallel = 2 }), tally },
              to = storage.null {},
            }
            local own = metrics.histogram("test_latency_seconds", "a histogram", { buckets = { 0.1, 1 } })
            own:observe(0.5)
            run()
            local r = tally:result()
            local units = 0
            for _, n in pairs(r.counts.unit) do units = units + n end
            return metrics.counter("test_seen"):value(), units, r.stats.ts.count, own:value().count,
                   metrics.gauge("test_depth", "a gauge", { "kind" }):value({ kind = "x" }),
                   pcall(metrics.gauge, "test_seen_total", "clash")
            """)
        #expect(values[0].numberValue == 100)
        #expect(values[1].integerValue == 100)
        #expect(values[2].integerValue == 100)
        #expect(values[3].integerValue == 1)
        #expect(values[4].numberValue == 3)
        #expect(values[5].booleanValue == false, "a name taken by another kind of metric is an error")
        let text = bindings.metrics.render()
        #expect(text.contains("test_seen_total 100"))
        #expect(text.contains("collector_processor_records_in_total{pipeline=\"m\",processor=\"count\"} 100"), "\(text)")
    }
}

