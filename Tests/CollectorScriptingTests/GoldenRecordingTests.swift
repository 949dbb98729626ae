import Collectors
import Foundation
import LuaRuntime
import Testing

@testable import CollectorScripting

/// `p:record`: records a processor receives in a running pipeline become a
/// golden test file that `collector test` runs. Nested in the bindings suite
/// to be serialized with it (the script waits for the pipeline).
extension BindingsTests {
    @Suite("golden tests from live traffic")
    struct GoldenRecordingTests {
        static let processor = """
            local M = {}
            function M.process(r, emit)
              if r.kind == "drop" then return nil end
              if r.kind == "fail" then error("negative value (" .. tostring(r.value) .. ")") end
              if r.kind == "split" then
                for _, item in ipairs(r.items) do emit({ item = item }) end
                return nil
              end
              r.value_f = r.value * 1.8 + 32
              r.checked = true
              return r
            end
            return M
            """

        /// A pipeline whose first processor turns the generator's readings
        /// into these records in turn, then "readings" (the module) runs.
        static func script(folder: ProcessorFolder, record call: String) -> String {
            """
            local fixtures = {
              { kind = "plain", value = 40, none = json.null, tags = json.array({}), meta = json.object({}),
                text = "a\\"b\\\\c\\n\\0\\255", big = math.maxinteger, small = math.mininteger, ["not a name"] = 1.5e300 },
              { kind = "drop" },
              { kind = "fail", value = -1 },
              { kind = "split", items = { "a", "b" } },
              { kind = "plain", value = 7.25, nested = { deep = { 1, 2.0, "é" } } },
            }
            local i = 0
            local p = pipeline "golden" {
              from = source.generator { rate = 500 },
              process = {
                function(r) i = i % #fixtures + 1; return fixtures[i] end,
                processor.file "\(folder.file("readings.lua"))",
              },
              to = storage.memory {},
            }
            p:start()
            local path, count = \(call)
            p:stop()
            local report = p:wait()
            return path, count, report.input
            """
        }

        @Test func recordedTrafficPassesThenAChangedProcessorFailsWithTheFieldThatDiffers() throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.processor)
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let values = try lua.run(Self.script(folder: folder, record: "p:record(\"readings\", 10)"))
            // Without a path, the file goes beside the module.
            #expect(values[0].stringValue == folder.file("readings_test.lua"))
            #expect(values[1].integerValue == 10)
            let text = try String(contentsOfFile: folder.file("readings_test.lua"), encoding: .utf8)
            #expect(text.contains("local readings = require(\"readings\")"))
            // Ten records of five kinds in turn: each kind at least once, written type-faithfully.
            #expect(text.contains("value_f = 104.0"))
            #expect(text.contains("text = \"a\\\"b\\\\c\\n\\x00\\xFF\""))
            #expect(text.contains("tags = array()") && text.contains("meta = json.object({})") && text.contains("none = null"))
            #expect(text.contains("small = math.mininteger"))
            #expect(text.contains("(dropped)\", function()") && text.contains("(error)\", function()"))
            #expect(text.contains("{ item = \"a\" },\n    { item = \"b\" },"))

            let passing = try ProcessorTestRunner().run(paths: [folder.file("readings_test.lua")])
            #expect(passing.passed == 10 && passing.failed == 0, "\(passing.lines)")

            try folder.save("readings.lua", Self.processor.replacingOccurrences(of: "r.value * 1.8 + 32", with: "r.value * 2 + 32"))
            let failing = try ProcessorTestRunner().run(paths: [folder.file("readings_test.lua")])
            #expect(failing.exitStatus == 1)
            #expect(failing.failed == 4 && failing.passed == 6, "\(failing.lines)")
            #expect(failing.lines.contains("        [1].value_f: expected 104.0 (float), got 112 (integer)"), "\(failing.lines)")
            #expect(failing.lines.contains("        [1].value_f: expected 45.05, got 46.5"), "\(failing.lines)")
        }

        @Test func recordingChangesNothingThePipelineDoes() throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.processor)
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let values = try lua.run(
                """
                local p = pipeline "same" {
                  from = source.generator { count = 400, rate = 2000 },
                  process = {
                    function(r) r.kind = (r.value or 0) < 0 and "drop" or "plain"; r.value = r.value or 0; return r end,
                    processor.file "\(folder.file("readings.lua"))",
                  },
                  to = storage.memory {},
                }
                p:start()
                local path, count = p:record("readings", 50, "\(folder.file("same_test.lua"))")
                local report = p:wait()
                return count, report.input, report.output + report.dropped + report.failed
                """)
            #expect(values[0].integerValue == 50)
            #expect(values[1].integerValue == 400)
            #expect(values[2].integerValue == 400)
        }

        @Test(arguments: [
            ("p:record(\"nope\", 5)", "record: no processor named 'nope' (processors: "),
            ("p:record(3, 5)", "record: there is no processor 3 (the pipeline has 2, from 1)"),
            ("p:record(\"readings\", 0)", "record: the count is a whole number from 1 to 10000, got 0"),
            ("p:record(\"readings\", 2.5)", "record: the count is a whole number from 1 to 10000, got 2.5"),
            ("p:record(\"readings\", 5, \"golden.lua\")", "record: the test file's name must end in _test.lua"),
            ("p:record(\"readings\", 5, nil, { timeout = \"soon\" })", "record: option 'timeout' must be a duration"),
            ("p:record(\"readings\", 5, nil, { overwrite = 1, tiemout = 1 })", "tiemout"),
            ("p:record(1, 5)", "record: processor '"),
            ("p:record(\"readings\", 5, \"/nonexistent-dir/x_test.lua\")", "record: cannot write /nonexistent-dir/x_test.lua: there is no directory"),
        ])
        func aBadArgumentSaysWhatIsWrong(call: String, message: String) throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.processor)
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let error = BindingsTests.error(Self.script(folder: folder, record: call), in: lua)
            #expect(error.contains(message), "\(error)")
        }

        @Test func aFileThatExistsIsNotWrittenOverUnlessAsked() throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.processor)
            try folder.save("readings_test.lua", "-- by hand\n")
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let error = BindingsTests.error(Self.script(folder: folder, record: "p:record(\"readings\", 2)"), in: lua)
            #expect(error.contains("readings_test.lua exists already (give { overwrite = true } to write over it)"), "\(error)")
            #expect(try String(contentsOfFile: folder.file("readings_test.lua"), encoding: .utf8) == "-- by hand\n")
            let (again, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let values = try again.run(
                Self.script(folder: folder, record: "p:record(\"readings\", 2, nil, { overwrite = true })"))
            #expect(values[1].integerValue == 2)
        }

        @Test func aPipelineNotRunningIsAnError() throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.processor)
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let error = BindingsTests.error(
                """
                local p = pipeline "idle" { from = source.generator { count = 1 }, process = { processor.file "\(folder.file("readings.lua"))" }, to = storage.memory {} }
                p:record("readings", 1)
                """, in: lua)
            #expect(error.contains("record: pipeline \"idle\" is not running (p:start() first)"), "\(error)")
        }

        @Test func aRecordingThatSeesNothingReturnsNilAtTheTimeout() throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.processor)
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let values = try lua.run(
                """
                local p = pipeline "quiet" {
                  from = source.generator { rate = 500 },
                  process = { function(r) return nil end, processor.file "\(folder.file("readings.lua"))" },
                  to = storage.memory {},
                }
                p:start()
                local path, count = p:record("readings", 1, nil, { timeout = 0.2 })
                p:stop()
                return path == nil, count
                """)
            #expect(values[0].booleanValue == true)
            #expect(values[1].integerValue == 0)
            #expect(!FileManager.default.fileExists(atPath: folder.file("readings_test.lua")))
        }
    }
}
