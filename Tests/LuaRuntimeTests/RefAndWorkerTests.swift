import CollectorValues
import Testing

@testable import LuaRuntime

@Suite("Refs and confinement")
struct RefAndWorkerTests {
    @Test func aMillionCallsThroughRefsAndCallbacksLeaveNothingBehind() throws {
        let lua = try LuaState()
        try lua.register("bump") { call in
            try call.push(try call.integer(1) + 1)
            return 1
        }
        let make = try lua.load("return function(x) return bump(x) end", name: "=make")
        // Warm up, then take the baseline.
        for _ in 0..<1000 { _ = try lua.call(try lua.call(make)[0].functionValue!, Int64(1), returning: Int64.self) }
        lua.collectGarbage()
        let registryBefore = lua.registryLength
        let memoryBefore = lua.memoryInUse

        var sum: Int64 = 0
        for round in 0..<1000 {
            // A fresh Swift-held ref each round, released at the end of it.
            let f = try #require(try lua.call(make)[0].functionValue)
            for i in 0..<1000 {
                sum &+= try lua.call(f, Int64(i), returning: Int64.self)
            }
            _ = round
        }
        #expect(sum == 1000 * (999 * 1000 / 2 + 1000))
        lua.collectGarbage()
        #expect(lua.registryLength <= registryBefore + 2)
        #expect(abs(lua.memoryInUse - memoryBefore) < 16 * 1024, "memory \(memoryBefore) -> \(lua.memoryInUse)")
    }

    @Test func refsReleasedOnOtherThreadsAreDrainedByTheOwner() async throws {
        let worker = try LuaWorker()
        let baseline = try await worker.perform { lua in
            lua.collectGarbage()
            return lua.registryLength
        }
        let tables = try await worker.perform { lua in
            try (0..<1000).map { i in try lua.table(["n": .integer(Int64(i))]).tableValue! }
        }
        #expect(tables.count == 1000)
        // Drop them from many tasks at once, off the worker's thread.
        await withTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: 1000, by: 100) {
                let slice = Array(tables[chunk..<chunk + 100])
                group.addTask { _ = slice.count }
            }
        }
        _ = consume tables
        let after = try await worker.perform { lua in
            lua.collectGarbage()
            try lua.run("return 1")
            return lua.registryLength
        }
        // Freed slots are reused by luaL_ref's free list, so new refs do not grow the registry.
        let regrown = try await worker.perform { lua in
            for _ in 0..<1000 { _ = try lua.table(["x": 1]) }
            lua.collectGarbage()
            return lua.registryLength
        }
        #expect(after <= baseline + 1010)
        #expect(regrown <= after + 4, "released refs were not reused: \(after) -> \(regrown)")
    }

    @Test func aHundredConcurrentTasksShareOneState() async throws {
        let worker = try LuaWorker()
        _ = try await worker.perform { lua in try lua.run("counter = 0 function bump(n) counter = counter + n return counter end") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 1...100 {
                group.addTask {
                    _ = try await worker.perform { lua in
                        let bump = try lua.global("bump").functionValue!
                        return try lua.call(bump, Int64(i), returning: Int64.self)
                    }
                }
            }
            try await group.waitForAll()
        }
        let total = try await worker.perform { lua in try lua.global("counter").integerValue }
        #expect(total == 5050)
    }

    @Test func aClosedWorkerRefusesWork() async throws {
        let worker = try LuaWorker()
        await worker.close()
        await #expect(throws: LuaError.self) {
            try await worker.perform { lua in try lua.run("return 1") }
        }
    }
}
