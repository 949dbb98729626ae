import CollectorValues
import Foundation
import Testing

@testable import LuaRuntime

@Suite("Limits: instructions, time, memory, interrupts")
struct LimitTests {
    @Test func anEndlessLoopHitsTheInstructionLimitAndTheStateGoesOn() throws {
        let lua = try LuaState(LuaOptions(instructionLimit: 1_000_000))
        let error = try #require(throws: LuaError.self) { try lua.run("while true do end", name: "@loop.lua") }
        #expect(error.kind == .limit)
        #expect(error.message.contains("instruction limit exceeded"))
        #expect(try lua.run("local s = 0 for i = 1, 1000 do s = s + i end return s").first?.integerValue == 500_500)
    }

    @Test func aCallbackRunUnderItsOwnLimitsFailsAloneInsideAnUnlimitedCall() throws {
        // The script has no limit; a Swift function it calls runs callbacks
        // with a budget each (as a pipeline script running its own processors).
        let lua = try LuaState(LuaOptions())
        var outcomes: [String] = []
        try lua.register("each") { [unowned lua] call in
            let callback = try call.function(1)
            for input in [1, 2, 3] as [Int64] {
                do {
                    let result = try lua.withCallLimits(instructions: 100_000, time: nil) {
                        try lua.call(callback, input)
                    }
                    outcomes.append("ok \(result.first?.integerValue ?? -1)")
                } catch let error as LuaError {
                    outcomes.append("\(error.kind)")
                }
            }
            return 0
        }
        let values = try lua.run("""
            each(function(n) if n == 2 then while true do end end return n * 10 end)
            local s = 0 for i = 1, 2000000 do s = s + 1 end  -- far beyond the callbacks' budget
            return s
            """)
        #expect(outcomes == ["ok 10", "limit", "ok 30"])
        #expect(values.first?.integerValue == 2_000_000)
    }

    @Test func aScriptCannotSwallowTheLimitWithPcall() throws {
        let lua = try LuaState(LuaOptions(instructionLimit: 100_000))
        let error = try #require(throws: LuaError.self) {
            try lua.run("while true do pcall(function() while true do end end) end")
        }
        #expect(error.kind == .limit)
        #expect(try lua.run("return 'alive'").first?.stringValue == "alive")
    }

    /// One instruction can copy megabytes (`s .. t`); what a call allocates
    /// is charged to its instruction budget, one instruction per 64 bytes.
    @Test(arguments: [
        "local s = string.rep('a', 1 << 20) for i = 1, 20000 do local _ = s .. 'x' end",
        "local s = string.rep('a', 1 << 20) for i = 1, 20000 do local _ = s:upper() end",
        "local s = string.rep('a', 1 << 20) coroutine.wrap(function() for i = 1, 20000 do local _ = s .. 'x' end end)()",
    ])
    func whatACallAllocatesIsChargedToItsInstructions(_ code: String) throws {
        // 20,000 turns are far below the limit in VM instructions, and copy 20 GB.
        let lua = try LuaState(LuaOptions(libraries: .sandboxed, instructionLimit: 1_000_000))
        let error = try #require(throws: LuaError.self) { try lua.run(code, name: "@a.lua") }
        #expect(error.kind == .limit)
        #expect(error.message.contains("instruction limit exceeded"), "\(error.message)")
        #expect(try lua.run("local t = {} for i = 1, 1000 do t[i] = ('x'):rep(100) end return #t").first?.integerValue == 1000)
    }

    @Test func theTimeLimitStopsASlowCall() throws {
        let lua = try LuaState(LuaOptions(timeLimit: .milliseconds(50)))
        let error = try #require(throws: LuaError.self) { try lua.run("while true do end") }
        #expect(error.kind == .limit)
        #expect(error.message.contains("time limit exceeded"))
        #expect(try lua.run("return 1").first?.integerValue == 1)
    }

    @Test func theMemoryCapFailsWithNotEnoughMemory() throws {
        let lua = try LuaState(LuaOptions(memoryLimit: 8 << 20))
        let error = try #require(throws: LuaError.self) {
            try lua.run("local t = {} for i = 1, 1e9 do t[i] = i end")
        }
        #expect(error.kind == .memory)
        #expect(error.message.contains("not enough memory"))
        lua.collectGarbage()
        #expect(lua.memoryInUse < 8 << 20)
        #expect(try lua.run("local t = {} for i = 1, 1000 do t[i] = i end return #t").first?.integerValue == 1000)
    }

    @Test func swiftCannotPushPastTheCapEither() throws {
        let lua = try LuaState(LuaOptions(memoryLimit: 4 << 20))
        let length = try #require(try lua.run("return function(s) return #s end").first?.functionValue)
        let big = String(repeating: "x", count: 10 << 20)
        let error = try #require(throws: LuaError.self) { try lua.call(length, big) }
        #expect(error.kind == .memory)
        #expect(try lua.call(length, "small", returning: Int64.self) == 5)
    }

    @Test func aSwiftFunctionOverdrawingTheCapRaisesAMemoryError() throws {
        let lua = try LuaState(LuaOptions(memoryLimit: 4 << 20))
        try lua.register("huge") { call in
            try call.push(String(repeating: "y", count: 8 << 20))
            return 1
        }
        let error = try #require(throws: LuaError.self) { try lua.run("local s = huge() return #s") }
        #expect(error.kind == .memory)
        #expect(try lua.run("return 3").first?.integerValue == 3)
    }

    @Test func anotherThreadCanInterruptARunningCall() async throws {
        // The time limit only bounds the test: an interrupt that got lost
        // ends the loop as `.limit` instead of hanging.
        let worker = try LuaWorker(LuaOptions(timeLimit: .seconds(10)))
        let handle = worker.interruptHandle
        let running = DispatchSemaphore(value: 0)
        // A thread of its own, so the interrupt does not wait for a free task thread.
        let interrupter = Thread {
            // Interrupt only once the script runs: a call clears the interrupts sent before it.
            if running.wait(timeout: .now() + .seconds(10)) == .success {
                handle.interrupt()
            }
        }
        interrupter.start()
        let outcome = try await worker.perform { lua -> (kind: LuaError.Kind, message: String)? in
            try lua.register("running") { _ in
                running.signal()
                return 0
            }
            do {
                try lua.run("running() while true do end")
                return nil
            } catch let error as LuaError {
                return (error.kind, error.message)
            }
        }
        #expect(outcome?.kind == .interrupted, "\(String(describing: outcome))")
        #expect(outcome?.message.contains("interrupted") == true)
        #expect(try await worker.perform { lua in try lua.run("return 5")[0].integerValue } == 5)
    }

    @Test func limitsApplyToEachCallNotToTheStateForever() throws {
        let lua = try LuaState(LuaOptions(instructionLimit: 200_000))
        let work = try lua.load("local s = 0 for i = 1, 20000 do s = s + i end return s", name: "=work")
        for _ in 0..<50 {
            #expect(try lua.call(work, returning: Int64.self) == 200_010_000)
        }
    }
}
