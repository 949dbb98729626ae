import Foundation
import CollectorValues
import Testing

@testable import CollectorScripting
import LuaRuntime

@Suite("REPL session")
struct ReplSessionTests {
    let session: ReplSession
    let printer = ValuePrinter()

    init() throws {
        session = ReplSession(lua: try LuaState())
    }

    /// What the REPL would print for one line.
    func show(_ line: String) -> String {
        switch session.submit(line) {
        case .values(let values): return printer.format(values, in: session.lua)
        case .incomplete: return "<incomplete>"
        case .failed(let error): return "error: \(error.message)"
        }
    }

    @Test func expressionsPrintAndStatementsRun() {
        #expect(show("1 + 1") == "2")
        #expect(show("x = 20") == "")
        #expect(show("x / 2") == "10.0")
        #expect(show("x, 'two', nil, true") == "20\t\"two\"\tnil\ttrue")
        #expect(show("local y = 3") == "")
    }

    @Test func incompleteInputContinuesOnTheNextLine() {
        #expect(show("function add(a, b)") == "<incomplete>")
        #expect(session.isContinuing)
        #expect(show("  return a + b") == "<incomplete>")
        #expect(show("end") == "")
        #expect(!session.isContinuing)
        #expect(show("add(2, 3)") == "5")
        #expect(show("s = [[first") == "<incomplete>")
        #expect(show("second]]") == "")
        #expect(show("s") == "\"first\\nsecond\"")
    }

    @Test func errorsReportAndTheSessionGoesOn() {
        #expect(show("error('boom')") == "error: stdin:1: boom")
        #expect(show("x = = 1") == "error: stdin:1: unexpected symbol near '='")
        #expect(show("({)") .hasPrefix("error: stdin:1:"))
        #expect(show("1 + 1") == "2")
    }

    @Test func discardingPendingInputStartsAfresh() {
        #expect(show("for i = 1, 3 do") == "<incomplete>")
        session.discardPending()
        #expect(!session.isContinuing)
        #expect(show("7") == "7")
    }

    @Test func tablesPrintSortedNestedAndMarked() throws {
        #expect(show("{3, 2, 1}") == "{ 3, 2, 1 }")
        #expect(show("{b = 1, a = {x = true}, [10] = 'ten', ['with space'] = 0}")
            == "{ [10] = \"ten\", a = { x = true }, b = 1, [\"with space\"] = 0 }")
        #expect(show("{}") == "{}")
        #expect(show("local t = {} t.me = t return t") == "{ me = <cycle> }")
        #expect(show("null") == "null")
        let emptyArray = try session.lua.table(.array([]))
        #expect(printer.format(emptyArray, in: session.lua) == "[]")
        #expect(show("{1.0, -0.0, 0/0 ~= 0/0, 2^53}") == "{ 1.0, -0.0, true, 9007199254740992.0 }")
    }

    @Test func bigAndDeepTablesAreCut() {
        let big = show("local t = {} for i = 1, 1000 do t[i] = i end return t")
        #expect(big.contains("... (950 more)"))
        let deep = show("local t = {} local c = t for i = 1, 100 do c.n = {} c = c.n end return t")
        #expect(deep.contains("{...}"))
        #expect(deep.split(separator: "\n").count < 20)
    }

    @Test func wideTablesBreakIntoIndentedLines() {
        let wide = show("{alpha = 'aaaaaaaaaaaaaaaa', beta = 'bbbbbbbbbbbbbbbbbbbb', gamma = 'cccccccccccccccccccc', delta = {1, 2}}")
        #expect(wide == """
            {
              alpha = "aaaaaaaaaaaaaaaa",
              beta = "bbbbbbbbbbbbbbbbbbbb",
              delta = { 1, 2 },
              gamma = "cccccccccccccccccccc"
            }
            """)
    }

    @Test func binaryGarbageAndHugeLinesAreHandled() {
        #expect(show("'a\\0b\\255'") == "\"a\\0b\\xff\"")
        #expect(show("'héllo'") == "\"héllo\"")
        let huge = "return '" + String(repeating: "x", count: 1 << 20) + "'"
        let printed = show(huge)
        #expect(printed.hasSuffix("... (1048576 bytes)"))
        #expect(printed.count < 3000)
        #expect(show("\u{1}\u{2}garbage\u{FF}").hasPrefix("error: "))
        #expect(show("(((((") == "<incomplete>")
    }

    @Test func completionsCoverGlobalsFieldsAndMethods() throws {
        _ = show("sensor = { name = 'a', nested = { deep = 1 } }")
        #expect(session.completions(for: "sens") == ["sensor"])
        #expect(session.completions(for: "string.fo") == ["string.format"])
        #expect(session.completions(for: "sensor.n") == ["sensor.name", "sensor.nested"])
        #expect(session.completions(for: "sensor.nested.d") == ["sensor.nested.deep"])
        _ = show("s = 'text'")
        #expect(session.completions(for: "s:up") == ["s:upper"])
        #expect(session.completions(for: "nothing.here").isEmpty)
    }

    @Test func sessionLocalsPathsAndCommandsComplete() throws {
        _ = show("local reading = { value = 1, unit = 'C' }")
        _ = show("local readers = 2")
        #expect(session.completions(for: "read") == ["readers", "reading"])
        #expect(session.completions(for: "reading.u") == ["reading.unit"])
        #expect(session.completions(for: ":lo") == [":load"])
        #expect(session.completions(for: ":lo", before: "x = ").isEmpty)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("repl-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["pipeline.lua", "processor.lua", ".hidden.lua"] {
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data())
        }
        let base = directory.path + "/"
        // After :load, and inside a string: files, directories with their slash, no hidden ones unless asked.
        #expect(session.completions(for: base + "p", before: ":load ") == [base + "pipeline.lua", base + "processor.lua"])
        #expect(session.completions(for: base + "d", before: "f = io.open(\"") == [base + "data/"])
        #expect(session.completions(for: base + ".h", before: "dofile('") == [base + ".hidden.lua"])
        #expect(session.completions(for: base, before: "x = 'a', \"").count == 3)
        // A closed string is not a path: Lua names complete there.
        #expect(session.completions(for: "read", before: "x = 'a' .. ") == ["readers", "reading"])
        #expect(ReplSession.isInsideString(#"s = "it\"s "#))
        #expect(!ReplSession.isInsideString(#"s = "it\"s" .. "#))
    }

    @Test func metaCommandsParse() {
        #expect(ReplMetaCommand(line: ":help") == .help)
        #expect(ReplMetaCommand(line: " :q") == .quit)
        #expect(ReplMetaCommand(line: ":load x.lua") == .load(path: "x.lua"))
        #expect(ReplMetaCommand(line: "x = 1") == nil)
        #expect(ReplMetaCommand(line: ":load my file.lua") == .load(path: "my file.lua"))
        #expect(ReplMetaCommand(line: ":load\tx.lua") == .load(path: "x.lua"))
        #expect(ReplMetaCommand(line: "exit") == .quit)
        #expect(ReplMetaCommand(line: "  quit ") == .quit)
        #expect(ReplMetaCommand(line: "exit()") == nil)
        #expect(ReplMetaCommand(line: "quit = 1") == nil)
    }

    @Test func loadPathsMayBeQuotedAndStartAtHome() {
        func parse(_ text: String) -> String {
            switch ReplPath.parse(text, home: "/home/ann") {
            case .success(let path): return path
            case .failure(let error): return "error: \(error)"
            }
        }
        #expect(parse(" \"my file.lua\" ") == "my file.lua")
        #expect(parse("'it''s.lua'").hasPrefix("error: one file only"))
        #expect(parse("'a \"b\".lua'") == "a \"b\".lua")
        #expect(parse(#""say \"hi\".lua""#) == #"say "hi".lua"#)
        #expect(parse(#""back\\slash.lua""#) == #"back\slash.lua"#)
        #expect(parse("~/x.lua") == "/home/ann/x.lua")
        #expect(parse("\"~/my dir/x.lua\"") == "/home/ann/my dir/x.lua")
        #expect(parse("~") == "/home/ann")
        #expect(parse("~bob/x.lua") == "~bob/x.lua", "another user's home is not looked up")
        #expect(parse("dir/~/x.lua") == "dir/~/x.lua")
        #expect(parse("\"unclosed.lua").hasPrefix("error: no closing \""))
        #expect(parse("''") == "error: the file name is empty")
        #expect(parse("\"a.lua\" \"b.lua\"").hasPrefix("error: one file only"))
        if case .failure(let error) = ReplPath.parse("~/x.lua", home: nil) {
            #expect(error.description.contains("HOME"))
        } else {
            Issue.record("no home, no expansion")
        }
        if case .unknown(let message)? = ReplMetaCommand(line: ":load \"open.lua") {
            #expect(message.hasPrefix(":load: no closing"))
        } else {
            Issue.record("an unclosed quote must say so")
        }
        if case .unknown(let message)? = ReplMetaCommand(line: ":frob") {
            #expect(message.contains(":help"))
        } else {
            Issue.record("an unknown command must say so")
        }
    }
}

@Suite("REPL documentation")
struct APIDocumentationTests {
    @Test func theCompiledReferenceIsDocsLuaAPI() throws {
        // The REPL's :doc text is generated from docs/lua-api.md (scripts/gen-api-reference.sh).
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/lua-api.md").standardizedFileURL
        let text = try String(contentsOf: url, encoding: .utf8)
        let normalize = { (s: String) in s.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacing(/\s+$/, with: "") }.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(normalize(APIReference.markdown) == normalize(text), "run scripts/gen-api-reference.sh after editing docs/lua-api.md")
    }

    @Test func lookupFindsEntriesThenSections() {
        #expect(APIDocumentation.lookup("source.http")?.hasPrefix("| `source.http{}` |") == true)
        #expect(APIDocumentation.lookup("storage.sqlite")?.hasPrefix("| `storage.sqlite{}` |") == true)
        #expect(APIDocumentation.lookup("Events")?.hasPrefix("## Events") == true)
        #expect(APIDocumentation.lookup("no_such_thing") == nil)
        #expect(APIDocumentation.names.contains("source.file"))
        #expect(ReplMetaCommand(line: ":doc source.file") == .doc(name: "source.file"))
        #expect(ReplMetaCommand(line: ":reload") == .reload)
    }
}

