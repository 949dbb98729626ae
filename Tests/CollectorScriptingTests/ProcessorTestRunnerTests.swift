import CollectorValues
import Foundation
import Testing

@testable import CollectorScripting

/// The runner behind `collector test`: inline tests of processor modules and
/// `*_test.lua` files, with type-faithful comparisons and readable diffs.
@Suite("processor test runner")
struct ProcessorTestRunnerTests {
    static func run(_ name: String, _ text: String, in folder: ProcessorFolder) throws -> ProcessorTestFile {
        ProcessorTestRunner().run(file: try folder.save(name, text))
    }

    @Test func inlineTestsOfEveryKindPass() throws {
        let folder = try ProcessorFolder()
        let file = try Self.run("readings.lua", """
            local M = {}
            M.tests = {
              { name = "converts celsius", input = { value = 40.0, unit = "C" }, output = { value = 104.0, unit = "F" } },
              { name = "drops text", input = { value = "n/a" }, dropped = true },
              { name = "splits", input = { value = 1, items = { "a", "b" } }, emits = { { item = "a" }, { item = "b" } } },
              { name = "refuses negatives", input = { value = -1 }, error = "negative value %-1" },
              { input = { value = null }, output = { value = null, missing = true } },
            }
            function M.process(r, emit)
              if r.value == null then r.missing = true return r end
              if type(r.value) ~= "number" then return nil end
              if r.value < 0 then error("negative value " .. r.value) end
              if r.items then for _, item in ipairs(r.items) do emit({ item = item }) end return nil end
              if r.unit == "C" then r.value = r.value * 9 / 5 + 32 r.unit = "F" end
              return r
            end
            return M
            """, in: folder)
        #expect(file.loadError == nil)
        #expect(file.kind == .inline)
        #expect(file.cases.map(\.name) == ["converts celsius", "drops text", "splits", "refuses negatives", "test 5"])
        #expect(file.cases.allSatisfy { $0.passed }, "\(file.cases.filter { !$0.passed })")
    }

    /// Strings and arrays go in and come out, as from a source of `format = "text"`.
    @Test func stringsAndArraysAreInputsAndResults() throws {
        let folder = try ProcessorFolder()
        let file = try Self.run("words.lua", """
            local M = {}
            M.tests = {
              { name = "a line", input = "hello world", output = "HELLO WORLD" },
              { name = "an array", input = { "a", "b" }, output = 2 },
              { name = "words", input = "a b", emits = { "a", "b" } },
              { name = "a number", input = 7, output = 7 },
            }
            function M.process(r, emit)
              if type(r) == "table" then return #r end
              if r == "a b" then for w in r:gmatch("%S+") do emit(w) end return nil end
              return r:upper()
            end
            return M
            """, in: folder)
        #expect(file.cases.map(\.passed) == [true, false, true, false], "\(file.cases)")
        #expect(file.cases[1].failure.joined().contains("process must return a record (a table), an array, a string or nil, got integer"), "\(file.cases[1])")
        #expect(file.cases[3].failure.joined().contains("input: a record is required"), "\(file.cases[3])")
    }

    @Test func aFailingInlineTestSaysFieldByFieldWhatDiffered() throws {
        let folder = try ProcessorFolder()
        let file = try Self.run("p.lua", """
            return {
              tests = {
                { name = "types", input = { n = 1 }, output = { n = 1.0, s = "1", gone = null, nested = { deep = { x = 1 } } } },
                { name = "dropped", input = { n = 2 }, dropped = true },
                { name = "emits", input = { n = 3 }, emits = { { e = 1 }, { e = 2 } } },
                { name = "error", input = { n = 4 }, error = "boom" },
                { name = "fails", input = { n = 5, fail = true }, output = { n = 5 } },
                { name = "typo", input = { n = 6 }, ouput = { n = 6 } },
                { name = "nothing", input = { n = 7 } },
              },
              process = function(r, emit)
                if r.fail then error("cannot") end
                if r.n == 3 then emit({ e = 1 }) end
                r.s = 1
                r.extra = true
                r.nested = { deep = { x = "1" } }
                return r
              end,
            }
            """, in: folder)
        let failures = Dictionary(uniqueKeysWithValues: file.cases.map { ($0.name, $0.failure) })
        #expect(failures["types"]?.sorted() == [
            "output.extra: unexpected (got true)",
            "output.gone: missing (expected null)",
            "output.n: expected 1.0 (float), got 1 (integer)",
            "output.nested.deep.x: expected 1 (integer), got \"1\" (string)",
            "output.s: expected \"1\" (string), got 1 (integer)",
        ])
        #expect(failures["dropped"] == ["dropped: expected the record dropped, got output { extra = true, n = 2, nested = { deep = { x = \"1\" } }, s = 1 }"])
        #expect(failures["emits"] == ["emits: expected 2 elements, got 1", "emits[2]: missing (expected { e = 2 })"])
        #expect(failures["error"]?.first?.hasPrefix("error: expected an error matching \"boom\", got output {") == true)
        #expect(failures["fails"] == ["process failed: \(folder.file("p.lua")):12: cannot"])
        #expect(failures["typo"] == ["unknown field 'ouput' (did you mean 'output'?); fields are: name, input, meta, output, emits, dropped, error, advance, config"])
        #expect(failures["nothing"] == ["the test states no expectation (output, emits, dropped or error)"])
    }

    @Test func inlineTestsRunInOrderInOneState() throws {
        let folder = try ProcessorFolder()
        let file = try Self.run("count.lua", """
            local n = 0
            return {
              tests = { { input = {}, output = { n = 1 } }, { input = {}, output = { n = 2 } } },
              process = function(r) n = n + 1 r.n = n return r end,
            }
            """, in: folder)
        #expect(file.cases.map(\.passed) == [true, true])
    }

    @Test func aModuleThatDoesNotLoadIsALoadError() throws {
        let folder = try ProcessorFolder()
        let broken = try Self.run("broken.lua", "return { process = function(r) return r }", in: folder)
        #expect(broken.loadError?.contains("broken.lua:1:") == true, "\(broken.loadError ?? "")")
        let badTests = try Self.run("bad.lua", "return { tests = 5, process = function(r) return r end }", in: folder)
        #expect(badTests.loadError == "\(folder.file("bad.lua")): the module's 'tests' must be a list of tests, got number")
        let none = try Self.run("none.lua", "return function(r) return r end", in: folder)
        #expect(none.loadError == nil && none.cases.isEmpty)
    }

    @Test func aTestFileUsesTheAssertionsAndRequiresTheProcessorBesideIt() throws {
        let folder = try ProcessorFolder()
        try folder.save("readings.lua", """
            return {
              process = function(r, emit)
                if r.value == nil then error("no value") end
                if r.copy then emit({ copy = true }) end
                r.f = r.value * 1.0
                return r
              end,
            }
            """)
        let file = try Self.run("readings_test.lua", """
            local readings = require("readings")

            test("types are kept", function()
              local out, emitted = run(readings, { value = 2 })
              expect.eq(out, { value = 2, f = 2.0 })
              expect.eq(emitted, {})
              expect.eq(math.type(out.value), "integer")
            end)

            test("emitted records come back", function()
              local _, emitted = run(readings, { value = 1, copy = true })
              expect.eq(emitted, { { copy = true } })
              expect.eq(#emitted, 1)
            end)

            test("errors are expected", function()
              local message = expect.error(function() run(readings, {}) end, "no value")
              expect.match(message, "readings.lua:3:")
            end)

            test("the other helpers", function()
              expect.ne(1, 1.0)
              expect.ne(null, nil)
              expect.truthy(0)
              expect.falsy(nil)
              expect.is_nil(nil)
              expect.near(0.1 + 0.2, 0.3)
              expect.eq(array(), {})
              expect.eq({ 1, 2 }, array { 1, 2 })
            end)

            test("integer is not float", function()
              expect.eq(run(readings, { value = 2 }).value, 2.0)
            end)

            test("null is not nil", function()
              expect.eq(nil, null, "the missing field")
            end)

            test("a table field by field", function()
              expect.eq({ a = 1, b = { c = "x" } }, { a = 1, b = { c = "y" }, d = true })
            end)

            test("an unexpected error", function()
              run(readings, {})
            end)
            """, in: folder)
        #expect(file.loadError == nil, "\(file.loadError ?? "")")
        #expect(file.kind == .testFile)
        #expect(file.cases.prefix(4).allSatisfy { $0.passed }, "\(file.cases.prefix(4).filter { !$0.passed })")
        let path = folder.file("readings_test.lua")
        #expect(file.cases[4].failure == ["expected 2.0 (float), got 2 (integer)"])
        #expect(file.cases[4].location == "\(path):33")
        #expect(file.cases[5].failure == ["the missing field: expected null, got nil"])
        #expect(file.cases[5].location == "\(path):37")
        #expect(file.cases[6].failure == ["b.c: expected \"y\", got \"x\"", "d: missing (expected true)"])
        #expect(file.cases[7].failure == ["no value"])
        #expect(file.cases[7].location == "\(folder.file("readings.lua")):3")
    }

    @Test func aDirectoryGivesItsTestFilesAndTheReportSaysWhatHappened() throws {
        let folder = try ProcessorFolder()
        try FileManager.default.createDirectory(atPath: folder.file("nested"), withIntermediateDirectories: true)
        try folder.save("a_test.lua", "test('passes', function() expect.eq(1, 1) end)")
        try folder.save("nested/b_test.lua", "test('fails', function()\n  expect.eq({ x = 1 }, { x = 2 })\nend)")
        try folder.save("helper.lua", "return {}")  // not a test file: not run from a directory
        let files = try ProcessorTestRunner.files(for: [folder.path])
        #expect(files == [folder.file("a_test.lua"), folder.file("nested/b_test.lua")])
        let report = try ProcessorTestRunner().run(paths: [folder.path])
        #expect(report.passed == 1 && report.failed == 1)
        #expect(report.exitStatus == 1)
        #expect(report.lines == [
            folder.file("a_test.lua"),
            "  ok    passes",
            folder.file("nested/b_test.lua"),
            "  FAIL  fails (\(folder.file("nested/b_test.lua")):2)",
            "        x: expected 2, got 1",
            "",
            "2 tests in 2 files: 1 passed, 1 failed",
        ])
        #expect(throws: ProcessorTestRunner.MissingPath.self) { try ProcessorTestRunner.files(for: [folder.file("nope")]) }
        try folder.save("c_test.lua", "test('x', function() end")
        let broken = try ProcessorTestRunner().run(paths: [folder.path])
        #expect(broken.exitStatus == 2)
        #expect(broken.lines.last == "2 tests in 3 files: 1 passed, 1 failed; 1 file did not load")
    }
}
