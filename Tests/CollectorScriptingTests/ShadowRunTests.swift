import Collectors
import Foundation
import LuaRuntime
import Testing

@testable import CollectorScripting

/// `p:shadow`, `p:shadow_report`, `p:promote`: a new version of a processor
/// runs beside the live one on the same records, compared and never stored,
/// then is swapped in through the reload path. Nested in the bindings suite
/// to be serialized with it (the script waits for the pipeline).
extension BindingsTests {
    @Suite("shadow runs")
    struct ShadowRunTests {
        static let live = GoldenRecordingTests.processor
        /// Changes some outputs: a big value doubles, a drop keeps something,
        /// tagged records are dropped, odd ones fail.
        static let v2 = """
            local M = {}
            function M.process(r, emit)
              if r.kind == "drop" then return { kept = true } end
              if r.kind == "fail" then error("negative value") end
              if r.kind == "odd" then error("odd records are not handled") end
              if r.tag == "x" then return nil end
              r.value_f = (r.value > 10 and r.value * 2 or r.value * 1.8) + 32
              r.checked = true
              return r
            end
            return M
            """

        /// A pipeline whose first processor lets `limit` records of `fixtures` through
        /// once the script says `open = true` (so the shadow run sees every one).
        static func pipeline(_ folder: ProcessorFolder, fixtures: String, limit: Int) -> String {
            """
            local fixtures = \(fixtures)
            local i, open = 0, false
            local p = pipeline "shadowed" {
              from = source.generator { rate = 1000 },
              process = {
                function(r)
                  if not open or i >= \(limit) then return nil end
                  i = i + 1
                  return fixtures[(i - 1) % #fixtures + 1]
                end,
                processor.file "\(folder.file("readings.lua"))",
              },
              to = storage.memory {},
            }
            p:start()
            """
        }

        @Test func theReportCountsEachKindOfDifferenceAndTheLiveOutputsStayTheSame() throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.live)
            try folder.save("readings_v2.lua", Self.v2)
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let fixtures = """
                {
                  { kind = "plain", value = 40 },
                  { kind = "drop" },
                  { kind = "fail", value = -1 },
                  { kind = "plain", value = 7.25, tag = "x" },
                  { kind = "odd", value = 3 },
                  { kind = "plain", value = 5 },
                }
                """
            let values = try lua.run(Self.pipeline(folder, fixtures: fixtures, limit: 24) + """
                p:shadow("readings", processor.file "\(folder.file("readings_v2.lua"))")
                open = true
                -- The gate runs while the script waits: wait until it let all through, then drain.
                while i < 24 do p:tap("input", 1) end
                p:stop()
                local final = p:wait()
                local r = p:shadow_report()
                return i, r.compared, r.same, r.different, r.only_old, r.only_new, r.failed, r.skipped,
                  final.output, final.failed, #r.diffs, r.diffs[1].kind, r.diffs[1].lines[1]
                """)
            #expect(values[0].integerValue == 24)
            // compared, same, different, only_old, only_new, failed, skipped
            #expect(values[1...7].map(\.integerValue) == [24, 8, 4, 4, 4, 4, 0])
            // The live version's outputs: four of each six records, and the one failure; the new version's count nowhere.
            #expect(values[8].integerValue == 16)
            #expect(values[9].integerValue == 4)
            #expect(values[10].integerValue == 5)
            #expect(values[11].stringValue == "different")
            #expect(values[12].stringValue == "[1].value_f: expected 104.0 (float), got 112 (integer)")
        }

        @Test func promoteSwapsTheNewVersionInThroughTheReloadPath() throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.live)
            try folder.save("readings_v2.lua", Self.v2)
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let values = try lua.run(Self.pipeline(folder, fixtures: "{ { kind = \"plain\", value = 40 } }", limit: 1_000_000) + """
                p:shadow("readings", processor.file "\(folder.file("readings_v2.lua"))")
                open = true
                local before = p:tap("after readings", 1)[1].value_f
                local promoted = p:promote("readings")
                -- On probation for its first 100 records (the old version's results go on meanwhile), then in.
                local after = p:tap("after readings", 150)[150].value_f
                local ok, err = pcall(function() return p:shadow_report() end)
                p:stop()
                p:wait()
                return before, promoted.status, promoted.version, after, ok, err
                """)
            #expect({ if case .number(104.0) = values[0] { true } else { false } }(), "\(values[0])")
            #expect(values[1].stringValue == "reloaded")
            #expect(values[2].integerValue == 2)
            #expect(values[3].integerValue == 112)
            #expect(values[4].booleanValue == false)
            #expect(values[5].stringValue?.contains("has no shadow run (p:shadow first)") == true)
        }

        @Test func aVersionTheReloadPathRejectsIsNotPromotedAndTheLiveOneGoesOn() throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.live.replacingOccurrences(
                of: "return M", with: "function M.export_state() return { seen = 1 } end\nreturn M"))
            // Running beside it needs no migrate; taking its place does, and this one refuses.
            try folder.save("readings_v2.lua", Self.v2.replacingOccurrences(
                of: "return M", with: "function M.migrate(old) error(\"cannot take the old state\") end\nreturn M"))
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let values = try lua.run(Self.pipeline(folder, fixtures: "{ { kind = \"plain\", value = 40 } }", limit: 1_000_000) + """
                p:shadow("readings", processor.file "\(folder.file("readings_v2.lua"))")
                open = true
                local ok, err = pcall(function() return p:promote("readings") end)
                local after = p:tap("after readings", 1)[1].value_f
                local report = p:shadow_report()
                p:stop()
                p:wait()
                return ok, err, after, report.different > 0
                """)
            #expect(values[0].booleanValue == false)
            #expect(values[1].stringValue?.contains("promote: 'readings' keeps version 1") == true, "\(values[1])")
            #expect(values[1].stringValue?.contains("cannot take the old state") == true, "\(values[1])")
            #expect({ if case .number(104.0) = values[2] { true } else { false } }(), "\(values[2])")
            #expect(values[3].booleanValue == true)
        }

        @Test(arguments: [
            ("p:shadow(\"nope\", nil)", "shadow: no processor named 'nope'"),
            ("p:shadow(\"readings\", 42)", "shadow: the new version is a processor.* object (processor.file \"v2.lua\"), got number"),
            ("p:shadow_report()", "shadow_report: pipeline \"shadowed\" has no shadow run (p:shadow first)"),
            ("p:promote(\"readings\")", "promote: processor 'readings' has no shadow run (p:shadow first)"),
            ("p:shadow(1, processor.file \"V2\") p:promote(1)", "promote: processor '"),
        ])
        func aBadCallSaysWhatIsWrong(call: String, message: String) throws {
            let folder = try ProcessorFolder()
            try folder.save("readings.lua", Self.live)
            try folder.save("readings_v2.lua", Self.v2)
            let (lua, _) = try BindingsTests.state(base: folder.file("main.lua"))
            let script = Self.pipeline(folder, fixtures: "{ { kind = \"plain\", value = 40 } }", limit: 10)
                + call.replacingOccurrences(of: "\"V2\"", with: "\"\(folder.file("readings_v2.lua"))\"") + "\np:stop()\n"
            let error = BindingsTests.error(script, in: lua)
            #expect(error.contains(message), "\(error)")
        }
    }
}
