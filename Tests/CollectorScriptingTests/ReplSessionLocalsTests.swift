import Foundation
import Testing

@testable import CollectorScripting
import LuaRuntime

/// The REPL's session variables (top-level `local`s kept from one entry to
/// the next), `_`, and `=expr`.
@Suite("REPL session locals")
struct ReplSessionLocalsTests {
    let session: ReplSession
    let printer = ValuePrinter()

    init() throws {
        session = ReplSession(lua: try LuaState())
    }

    /// What the REPL would print for one entry (lines joined by newlines are submitted one by one).
    func show(_ entry: String) -> String {
        var outcome = ReplSession.Outcome.incomplete
        for line in entry.split(separator: "\n", omittingEmptySubsequences: false) { outcome = session.submit(String(line)) }
        switch outcome {
        case .values(let values): return printer.format(values, in: session.lua)
        case .incomplete: return "<incomplete>"
        case .failed(let error): return "error: \(error.message)"
        }
    }

    @Test func aLocalIsSeenByTheNextEntriesAndIsNoGlobal() {
        #expect(show("local x = 1") == "")
        #expect(show("x + 1") == "2")
        #expect(show("rawget(_G, 'x')") == "nil")
        #expect(show("x = x + 10") == "")
        #expect(show("x") == "11")
        #expect(show("local a, b, c = 1, 2") == "")
        #expect(show("a, b, c") == "1\t2\tnil")
        #expect(show("local u, v") == "")
        #expect(show("u, v") == "nil\tnil")
        #expect(show("local p = 5 local q = p * 2") == "")
        #expect(show("q") == "10")
    }

    @Test func functionsShareTheVariablesTheyCapture() {
        #expect(show("local n = 0; function bump() n = n + 1 return n end") == "")
        #expect(show("bump(), bump()") == "1\t2")
        #expect(show("n") == "2")
        #expect(show("n = 40") == "")
        #expect(show("bump()") == "41")
        #expect(show("local function fact(k) if k <= 1 then return 1 end return k * fact(k - 1) end") == "")
        #expect(show("fact(5)") == "120")
        #expect(show("local function twice(f)\n  return function(v) return f(f(v)) end\nend") == "")
        #expect(show("twice(fact)(3)") == "720")
    }

    @Test func localsInsideBlocksAndFunctionsStayThere() {
        #expect(show("do local inner = 1 end") == "")
        #expect(show("inner") == "nil")
        #expect(show("for i = 1, 2 do local each = i end") == "")
        #expect(show("each") == "nil")
        #expect(show("function g() local hidden = 3 return hidden end") == "")
        #expect(show("g(), hidden") == "3\tnil")
        #expect(show("s = 'local fake = 1' -- local neither = 2") == "")
        #expect(show("fake, neither") == "nil\tnil")
    }

    @Test func constStaysReadOnlyAndCloseIsClosedWithItsEntry() {
        #expect(show("local limit <const> = 10") == "")
        #expect(show("limit * 2") == "20")
        #expect(show("limit = 11").hasPrefix("error: stdin:1: attempt to assign to const variable 'limit'"))
        #expect(show("limit") == "10")
        #expect(show("local limit = 12") == "", "declared again, it is an ordinary variable")
        #expect(show("limit = 13") == "")
        #expect(show("limit") == "13")
        #expect(show("closed = false; local h <close> = setmetatable({}, { __close = function() closed = true end })") == "")
        #expect(show("closed") == "true")
    }

    @Test func underscoreHoldsTheLastResult() {
        #expect(show("6 * 7") == "42")
        #expect(show("_") == "42")
        #expect(show("_ + 1, 'b'") == "43\t\"b\"")
        #expect(show("_") == "43")
        #expect(show("y = 1") == "")
        #expect(show("_") == "43", "a statement leaves it")
        #expect(show("local _, second = 'first', 'second'") == "")
        #expect(show("second") == "\"second\"")
        #expect(show("10") == "10")
        #expect(show("_") == "10", "a declared `_` does not hide the last result")
    }

    @Test func equalsSignPrintsAnExpression() {
        #expect(show("=1 + 2") == "3")
        #expect(show("local t = { 1, 2 }") == "")
        #expect(show("=#t") == "2")
        #expect(show("=math.max(1,") == "<incomplete>")
        #expect(show("5)") == "5")
    }

    @Test func errorsInAnEntryKeepLinesAndSyntaxMessages() {
        #expect(show("local z = 1") == "")
        #expect(show("z.field.x = 1") == "error: stdin:1: attempt to index a number value (upvalue 'z')")
        #expect(show("local w = = 2") == "error: stdin:1: unexpected symbol near '='")
        #expect(show("local k = 1 if k then\n  local m = nil + k\nend").hasPrefix("error: stdin:2: attempt to perform arithmetic on a nil value"))
        #expect(show("k") == "1", "declared before the failure")
        #expect(session.submit("error('here')", lineNumber: 9).failedMessage == "stdin:9: here")
        #expect(session.submit("z + nil", lineNumber: 12).failedMessage?.hasPrefix("stdin:12:") == true)
    }

    @Test func theRewriteKeepsLinesAndTouchesOnlyTopLevelDeclarations() {
        let entry = SessionEntry(Array("local a <const>, b = 1, 2\nlocal c\nlocal function f() local d end\n(f)()".utf8))
        #expect(String(decoding: entry.source, as: UTF8.self) == "      a        , b = 1, 2\n      c = nil;\n      function f() local d end\n(f)()")
        #expect(entry.declared.map(\.name) == ["a", "b", "c", "f"])
        #expect(entry.declared.map(\.isConst) == [true, false, false, false])
        #expect(entry.mentioned.isSuperset(of: ["a", "b", "c", "f", "d"]))
        let kept = SessionEntry(Array("local x <close> = nil\nlocal _ENV = {}".utf8))
        #expect(kept.declared.isEmpty)
        #expect(String(decoding: kept.source, as: UTF8.self) == "local x <close> = nil\nlocal _ENV = {}")
    }
}

extension ReplSession.Outcome {
    var failedMessage: String? {
        if case .failed(let error) = self { return error.message }
        return nil
    }
}
