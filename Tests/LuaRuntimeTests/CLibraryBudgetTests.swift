import Foundation
import Testing

@testable import LuaRuntime

/// Library functions that loop in C, where the count hook never fires, are
/// still held to the call's instruction and time limits (and interrupts).
@Suite("Limits inside C library functions")
struct CLibraryBudgetTests {
    static let backtracking = "local s = string.rep('a', 200000) return "

    @Test(arguments: [
        "string.find(s, '.-.-.-.-.-.-.-.-b')",
        "string.match(s, '(.-)(.-)(.-)(.-)b')",
        "string.gsub(s, '.-.-.-.-b', 'x')",
        "(function() for m in string.gmatch(s, '.-.-.-.-b') do end end)()",
        "string.find(s, string.rep('a', 100000) .. 'b', 1, true)",
        "string.find(s, '%b()') or string.find(string.rep('(', 200000), '%b()')",
        "string.find(s, string.rep('a', 100000) .. '.b')",
        // Steps whose own work grows with the pattern or the captures.
        "string.find(s, '[' .. string.rep('b', 100000) .. 'a]*x')",
        "string.find(s, '%f[' .. string.rep('b', 1000000) .. ']')",
        "string.find(s, '(.-)%1b')",
    ])
    func aPatternThatBacktracksHitsTheInstructionLimit(_ call: String) throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000))
        let error = try #require(throws: LuaError.self) { try lua.run(Self.backtracking + call, name: "@p.lua") }
        #expect(error.kind == .limit)
        #expect(error.message.hasPrefix("p.lua:1: instruction limit exceeded"), "\(error.message)")
        #expect(try lua.run("return ('key=value'):match('(%w+)=(%w+)')").compactMap(\.stringValue) == ["key", "value"])
    }

    @Test func aPatternThatBacktracksHitsTheTimeLimitWithoutAnInstructionLimit() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, timeLimit: .milliseconds(200)))
        let error = try #require(throws: LuaError.self) {
            try lua.run(Self.backtracking + "string.find(s, '.-.-.-.-.-.-.-.-b')", name: "@p.lua")
        }
        #expect(error.kind == .limit)
        #expect(error.message == "p.lua:1: time limit exceeded")
    }

    @Test func aPatternThatBacktracksCanBeInterrupted() throws {
        let lua = try LuaState(LuaOptions(libraries: .full))
        let handle = lua.interruptHandle
        let stopper = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            handle.interrupt()
        }
        stopper.start()
        let error = try #require(throws: LuaError.self) {
            try lua.run(Self.backtracking + "string.find(s, '.-.-.-.-.-.-.-.-b')")
        }
        #expect(error.kind == .interrupted)
    }

    @Test func thePatternFunctionsStillWorkAsLuasOwn() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000))
        let results = try lua.run("""
            local words = {}
            for k, v in ('a=1, b=22'):gmatch('(%w+)=(%w+)') do words[#words + 1] = k .. v end
            local replaced, n = ('hello world'):gsub('o', { o = '0' })
            local upper = ('abc'):gsub('%w', function(c) return c:upper() end)
            return table.concat(words, ' '), replaced, n, upper, ('x(y)z'):find('%b()'), ('a.b'):find('.', 1, true),
                   ('  trim  '):match('^%s*(.-)%s*$'), ('f(x)'):find('()x()')
            """)
        #expect(results.map { $0.stringValue ?? $0.integerValue.map(String.init) ?? "?" } == [
            "a1 b22", "hell0 w0rld", "2", "ABC", "2", "2", "trim", "3", "3", "3", "4",
        ])
    }

    @Test func stringRepOfNothingReturnsAtOnce() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000, timeLimit: .seconds(5)))
        #expect(try lua.run("return string.rep('', 1e15)").first?.stringValue == "")
        #expect(try lua.run("return string.rep('', 1e15, '')").first?.stringValue == "")
        #expect(try lua.run("return string.rep('ab', 3, ',')").first?.stringValue == "ab,ab,ab")
    }

    @Test func stringRepOverTheMemoryLeftIsRefusedBeforeAnyWork() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, memoryLimit: 8 << 20))
        let error = try #require(throws: LuaError.self) { try lua.run("return string.rep('x', 1e8, '')", name: "@r.lua") }
        #expect(error.message == "r.lua:1: string.rep: a result of 100000000 bytes is over the memory limit (8388608 bytes)")
        let separator = try #require(throws: LuaError.self) { try lua.run("return string.rep('', 1e8, ',')") }
        #expect(separator.message.contains("over the memory limit"), "\(separator.message)")
        #expect(lua.peakMemory < 8 << 20)
        #expect(try lua.run("return #string.rep('x', 1000)").first?.integerValue == 1000)
    }

    @Test(arguments: [
        "table.move({}, 1, 1e15, 2)",
        "table.move({}, 1, 1e15, 2, {})",
        "table.insert(setmetatable({}, { __len = function() return 1e15 end }), 1, 'x')",
        "table.remove(setmetatable({}, { __len = function() return 1e15 end }), 1)",
    ])
    func tableFunctionsThatShiftChargeEachElement(_ call: String) throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000, timeLimit: .seconds(30)))
        let error = try #require(throws: LuaError.self) { try lua.run(call, name: "@t.lua") }
        #expect(error.kind == .limit)
        #expect(error.message.hasPrefix("t.lua:1: instruction limit exceeded"), "\(error.message)")
    }

    /// `__index` answers every index, here with a C function, which runs
    /// outside the hook; only the charge per element stops these.
    @Test(arguments: [
        "table.concat(setmetatable({}, { __index = rawlen }), '', 1, 1e15)",
        "table.concat(setmetatable({}, { __index = function() return '' end }), '', 1, 1e15)",
        "table.move(setmetatable({}, { __index = rawlen }), 1, 1e15, 2, {})",
    ])
    func aRangeThatAMetamethodFillsIsChargedPerElement(_ call: String) throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000, timeLimit: .seconds(30)))
        let error = try #require(throws: LuaError.self) { try lua.run(call, name: "@t.lua") }
        #expect(error.kind == .limit)
        #expect(error.message.hasPrefix("t.lua:1: instruction limit exceeded"), "\(error.message)")
    }

    /// lua_load calls a reader function from C until it returns nothing.
    @Test(arguments: [LuaLibraries.sandboxed, .full])
    func loadChargesEachPieceItsReaderReturns(_ libraries: LuaLibraries) throws {
        let lua = try LuaState(LuaOptions(libraries: libraries, instructionLimit: 1_000_000, timeLimit: .seconds(30)))
        let error = try #require(throws: LuaError.self) {
            try lua.run("local f, e = load(os.time) return f, e", name: "@l.lua")
        }
        #expect(error.kind == .limit)
        #expect(error.message.hasPrefix("l.lua:1: instruction limit exceeded"), "\(error.message)")
        let pieces = try lua.run("""
            local parts = { 'return ', '1 ', '+ 41' }
            local i = 0
            return load(function() i = i + 1 return parts[i] end, '=parts')()
            """)
        #expect(pieces.first?.integerValue == 42)
        let bad = try #require(throws: LuaError.self) { try lua.run("load({})", name: "@l.lua") }
        #expect(bad.message == "l.lua:1: bad argument #1 to 'load' (function expected, got table)")
    }

    @Test func aLoopOfFullCollectionsIsChargedByTheHeap() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000, timeLimit: .seconds(30)))
        let error = try #require(throws: LuaError.self) {
            try lua.run("local t = {} for i = 1, 200000 do t[i] = {} end for i = 1, 1e6 do collectgarbage() end", name: "@g.lua")
        }
        #expect(error.kind == .limit)
        #expect(error.message.hasPrefix("g.lua:1: instruction limit exceeded"), "\(error.message)")
        #expect(try lua.run("collectgarbage() return collectgarbage('count') > 0").first?.booleanValue == true)
    }

    @Test func sortingChargesItsComparisonsBeforeItStarts() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000))
        try lua.run("big = {} for i = 1, 200000 do big[i] = -i end")
        let error = try #require(throws: LuaError.self) { try lua.run("table.sort(big)", name: "@s.lua") }
        #expect(error.kind == .limit)
        #expect(error.message.hasPrefix("s.lua:1: instruction limit exceeded"), "\(error.message)")
        let sorted = try lua.run("local t = { 3, 1, 2 } table.sort(t) local u = { 'b', 'a' } table.sort(u, function(a, b) return a > b end) return table.concat(t, ','), table.concat(u)")
        #expect(sorted.compactMap(\.stringValue) == ["1,2,3", "ba"])
    }

    @Test func tableFunctionsStillWorkAsLuasOwn() throws {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000))
        let results = try lua.run("""
            local t = { 1, 2, 3 }
            table.insert(t, 1, 0) table.insert(t, 4) local removed = table.remove(t, 2)
            local moved = table.move({ 1, 2, 3 }, 1, 3, 2)
            return table.concat(t, ','), removed, table.concat(moved, ','), table.concat(table.move({ 7, 8 }, 1, 2, 1, {}), ',')
            """)
        #expect(results.map { $0.stringValue ?? $0.integerValue.map(String.init) ?? "?" } == ["0,2,3,4", "1", "1,1,2,3", "7,8"])
        let bounds = try #require(throws: LuaError.self) { try lua.run("table.insert({}, 5, 'x')") }
        #expect(bounds.message.contains("position out of bounds"))
    }

    @Test(arguments: [LuaLibraries.sandboxed, .full])
    func theReplacedFunctionsStillNameThemselvesInErrors(_ libraries: LuaLibraries) throws {
        let lua = try LuaState(LuaOptions(libraries: libraries))
        let cases = [
            ("setmetatable(1, {})", "e.lua:1: bad argument #1 to 'setmetatable' (table expected, got number)"),
            ("coroutine.close(1)", "e.lua:1: bad argument #1 to 'close' (coroutine expected, got number)"),
            ("coroutine.wrap(function() coroutine.close(coroutine.running()) end)()", "e.lua:1: e.lua:1: cannot close a running coroutine"),  // wrap adds its own position, as in Lua
            ("table.sort({ 3, 2, 1 }, 5)", "e.lua:1: bad argument #2 to 'sort' (function expected, got number)"),
            ("table.move(1)", "e.lua:1: bad argument #2 to 'move' (number expected, got no value)"),
            ("string.rep()", "e.lua:1: bad argument #1 to 'rep' (string expected, got no value)"),
            ("string.find({})", "e.lua:1: bad argument #1 to 'find' (string expected, got table)"),
            ("warn('x', {})", "e.lua:1: bad argument #2 to 'warn' (string expected, got table)"),
            ("setmetatable(setmetatable({}, { __metatable = 'mine' }), {})", "e.lua:1: cannot change a protected metatable"),
        ]
        for (code, message) in cases {
            let error = try #require(throws: LuaError.self) { try lua.run(code, name: "@e.lua") }
            #expect(error.message == message)
        }
    }

    @Test func theFullProfileHasTheSameBounds() throws {
        let lua = try LuaState(LuaOptions(libraries: .full, instructionLimit: 1_000_000))
        #expect(try lua.run("return string.rep('', 1e15)").first?.stringValue == "")
        let error = try #require(throws: LuaError.self) { try lua.run("table.move({}, 1, 1e15, 2)") }
        #expect(error.kind == .limit)
    }
}
