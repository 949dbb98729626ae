import CollectorScripting
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
        let bindings = try ScriptBindings(installingIn: lua, scriptPath: base)
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

    @Test func anUnknownSourceTypeIsAnError() throws {
        let (lua, _) = try Self.state()
        let message = Self.error("local s = source.ftp { url = 'ftp://x' }", in: lua)
        #expect(message.hasPrefix("script.lua:1: unknown source type 'source.ftp'"), "\(message)")
        #expect(message.contains("source types are: generator, file, follow, stdin, command, http"))
    }

    @Test func aRequiredOptionIsChecked() throws {
        let (lua, _) = try Self.state()
        #expect(Self.error("source.file {}", in: lua) == "script.lua:1: source.file: option 'path' is required")
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
        #expect(Self.error("processor.file('p.lua', { memory = 'lots' })", in: lua).contains(
            "option 'memory' must be a size (\"64KB\", \"5MB\", \"1GB\" or bytes), got \"lots\""))
        #expect(Self.error("processor.file('p.lua', { timout = '1s' })", in: lua).contains(
            "unknown option 'timout' (did you mean 'timeout'?)"))
        #expect(Self.error("processor.file('missing.lua')", in: lua).contains("processor.file: cannot read"))
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
        let (lines, ok) = try bindings.runPipelines()
        #expect(ok)
        #expect(lines.count == 1)
        #expect(lines[0].hasPrefix("pipeline gen: 50 in, "), "\(lines[0])")
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
}
