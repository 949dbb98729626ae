import CollectorValues
import Synchronization
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
        let payload = String(repeating: "x", count: 1024)
        // Held for the whole test, so that calling it releases no ref of its own.
        let collect = try await worker.perform { lua in
            try lua.load("collectgarbage() collectgarbage()", name: "=collect")
        }
        // Warm up: the registry grows to a thousand refs and gets them back
        // as free slots, so the baseline already counts its size.
        let baselineMemory = try await worker.perform { lua in
            _ = try (0..<1000).map { _ in try lua.table(["x": 1]) }
            lua.collectGarbage()
            return lua.memoryInUse
        }
        // A thousand tables of about 1 KB each, in ten batches held by Swift only.
        var batches = try await worker.perform { lua in
            try (0..<10).map { batch in
                try (0..<100).map { i in
                    try #require(try lua.table(["n": .integer(Int64(batch * 100 + i)), "payload": .string(payload)]).tableValue)
                }
            }
        }
        let handovers = batches.map(Handover.init)
        batches = []
        // Each task drops the last references to its batch, off the worker's thread.
        await withTaskGroup(of: Void.self) { group in
            for handover in handovers {
                group.addTask { handover.drop() }
            }
        }

        let drained = try await worker.perform { lua in
            let queued = lua.pendingRefReleases
            try lua.call(collect)  // the owner drains before Lua runs, then Lua collects
            return (queued: queued, left: lua.pendingRefReleases, memory: lua.memoryInUse)
        }
        #expect(drained.queued == 1000, "the releases did not reach the owner's queue")
        #expect(drained.left == 0)
        // Still referenced from the registry, the tables would keep about 1 MB alive.
        #expect(drained.memory - baselineMemory < 64 * 1024, "memory \(baselineMemory) -> \(drained.memory)")

        // The drained slots are reused: a thousand refs held at once do not grow the registry.
        let growth = try await worker.perform { lua in
            let before = lua.registryLength
            let held = try (0..<1000).map { _ in try lua.table(["x": 1]) }
            let after = lua.registryLength
            withExtendedLifetime(held) {}
            return after - before
        }
        #expect(growth < 10, "the registry grew by \(growth) slots: released refs were not reused")
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

/// Tables handed to another task, which drops them there: after `drop()`
/// nothing else holds them, so their refs are released on that task's thread.
private final class Handover: Sendable {
    private let tables: Mutex<[LuaTable]>

    init(_ tables: [LuaTable]) {
        self.tables = Mutex(tables)
    }

    func drop() {
        tables.withLock { $0 = [] }
    }
}
