import CollectorValues
import Collectors
import Foundation
import LuaRuntime
import Testing

@testable import CollectorScripting

/// Reloading a running Lua processor: the swap, the versions that must never
/// run, the rollback, and state carried over by `export_state`/`migrate`.
@Suite("processor reload")
struct ReloadTests {
    static func load(_ version: Int = 1, parallelism: Int = 2, probation: Int = 100) async throws -> LuaProcessor {
        let processor = try await LuaProcessor.load(
            name: "stamp", source: stampModule(version), chunkName: "@stamp.lua",
            options: LuaProcessorOptions(parallelism: parallelism, reloadPolicy: ReloadPolicy(probationRecords: probation)))
        processor.reloads.log(to: nil)
        return processor
    }

    static func batch(_ count: Int, from start: Int = 0) -> [Record] {
        (start..<start + count).map { Record(["i": .integer(Int64($0))], sourceID: "t", sequence: UInt64($0)) }
    }

    @Test func aReloadIsSwappedInForEveryStateAtTheNextBatch() async throws {
        let processor = try await Self.load(1, parallelism: 3)
        #expect(stamps(await processor.process(batch: Self.batch(300))) == Array(repeating: 1, count: 300))
        let outcome = await processor.reload(source: stampModule(2))
        #expect(outcome.kind == .reloaded)
        #expect(outcome.version == 2 && outcome.runningVersion == 2)
        #expect(stamps(await processor.process(batch: Self.batch(300))) == Array(repeating: 2, count: 300))
        #expect(processor.version == 2)
        #expect(processor.stateCount == 3)
        #expect(processor.scriptHash == ScriptHash.of(stampModule(2)))
        #expect(processor.reloads.statistics == .init(reloaded: 1, failed: 0, rolledBack: 0))
    }

    /// Each of these must be rejected before it runs; the running version goes on.
    static let brokenVersions: [(what: String, source: String, stage: ReloadStage, message: String, line: Int?)] = [
        ("a syntax error", "return { process = function(r) r.v = 2 return r }", .compile, "'end' expected", 1),
        ("an empty file (saved half-written)", "", .load, "returns neither a function nor a module", nil),
        ("half of the file", "local M = {}\nfunction M.process(r)\n  r.v = 2\n", .compile, "'end' expected", 4),
        ("a failing init", "return { init = function() error('no config') end, process = function(r) return r end }", .initialize, "no config", 1),
        ("no process function", "return { init = function() end }", .load, "has no process(record, emit) function", nil),
        ("a hook that is not a function", "return { process = function(r) return r end, shutdown = 3 }", .load, "'shutdown' must be a function", nil),
        ("a failing inline test", stampModule(2).replacingOccurrences(of: "r.v = 2", with: "r.v = 3"), .test, "inline test 'stamps version 2' failed: output.v: expected 2, got 3", 3),
        ("an error at load", "error('not today')", .load, "not today", 1),
    ]

    @Test(arguments: 0..<brokenVersions.count)
    func aBrokenVersionNeverRuns(_ index: Int) async throws {
        let broken = Self.brokenVersions[index]
        let processor = try await Self.load(1)
        let outcome = await processor.reload(source: broken.source)
        #expect(outcome.kind == .failed, "\(broken.what)")
        #expect(outcome.stage == broken.stage, "\(broken.what): \(outcome)")
        #expect(outcome.message.contains(broken.message), "\(broken.what): \(outcome.message)")
        #expect(outcome.runningVersion == 1)
        if let line = broken.line {
            #expect(outcome.file == "stamp.lua" && outcome.line == line, "\(broken.what): \(outcome)")
        }
        #expect(stamps(await processor.process(batch: Self.batch(200))) == Array(repeating: 1, count: 200))
        #expect(processor.reloads.statistics == .init(reloaded: 0, failed: 1, rolledBack: 0))
        #expect(processor.version == 1)
    }

    @Test func aVersionThatFailsOnMostOfItsFirstRecordsIsRolledBackAndItsBatchDoneAgain() async throws {
        let processor = try await Self.load(1)
        let events = EventLog()
        processor.reloads.report(to: events.bus)
        let lines = Locked<[String]>([])
        processor.reloads.log { line in lines.withLock { $0.append(line) } }
        let outcome = await processor.reload(source: "return function(r)\n  error('version 2 is broken')\nend")
        #expect(outcome.kind == .reloaded)
        // Every record of the batch that judged it comes from the good version: none is lost.
        let results = await processor.process(batch: Self.batch(300))
        #expect(results.allSatisfy { $0.success })
        #expect(stamps(results) == Array(repeating: 1, count: 300))
        #expect(processor.version == 1)
        #expect(processor.reloads.statistics == .init(reloaded: 1, failed: 0, rolledBack: 1))
        let rollback = try #require(processor.reloads.outcomes.last)
        #expect(rollback.kind == .rolledBack && rollback.stage == .probation)
        #expect(rollback.message.contains("failed on 51 of its first 51 records"), "\(rollback.message)")
        #expect(rollback.message.contains("stamp.lua:2: version 2 is broken"), "\(rollback.message)")
        #expect(rollback.file == "stamp.lua" && rollback.line == 2)
        await events.bus.close()
        #expect(events.events.map(\.type) == [.reloadSucceeded, .reloadRolledBack])
        #expect(events.events.last?.data["running_version"] == 1)
        #expect(lines.withLock { $0 }.last?.contains("rolled back to version 1: version 2 failed on 51") == true)
    }

    @Test func batchesTooSmallToJudgeAVersionAreReleasedAsTheGoodVersionMadeThem() async throws {
        let processor = try await Self.load(1)
        #expect(await processor.reload(source: stampModule(2)).kind == .reloaded)
        // 50 successes decide (at most 50 of 100 may fail): the fifth batch of 10.
        var seen: [[Int64?]] = []
        for start in stride(from: 0, to: 70, by: 10) {
            seen.append(stamps(await processor.process(batch: Self.batch(10, from: start))))
        }
        #expect(seen == [[1], [1], [1], [1], [2], [2], [2]].map { Array(repeating: $0[0], count: 10) })
        // Failing 3 records in 5 is too many: it is judged bad after 51 failures, having released nothing.
        let flaky = "return function(r) if r.i % 5 < 3 then error('flaky') end r.v = 3 return r end"
        #expect(await processor.reload(source: flaky).kind == .reloaded)
        var released: [Int64?] = []
        for start in stride(from: 0, to: 200, by: 10) {
            released += stamps(await processor.process(batch: Self.batch(10, from: start)))
        }
        #expect(released == Array(repeating: 2, count: 200))
        #expect(processor.reloads.statistics.rolledBack == 1)
    }

    @Test func migrateCarriesStateOverTheSwap() async throws {
        let counter = """
            local M = { parallel = false }
            local seen = 0
            function M.process(r) seen = seen + 1 r.n = seen r.v = VERSION return r end
            function M.export_state() return { seen = seen } end
            function M.migrate(old, ctx) seen = old.seen from = ctx.from_version end
            return M
            """
        let processor = try await LuaProcessor.load(
            name: "counter", source: counter.replacingOccurrences(of: "VERSION", with: "1"),
            options: LuaProcessorOptions(reloadPolicy: ReloadPolicy(probationRecords: 0)))
        processor.reloads.log(to: nil)
        _ = await processor.process(batch: Self.batch(3))
        #expect(await processor.reload(source: counter.replacingOccurrences(of: "VERSION", with: "2")).kind == .reloaded)
        let results = await processor.process(batch: Self.batch(2))
        #expect(results.flatMap(\.records).map { $0.value["n"] } == [4, 5])
        #expect(stamps(results) == [2, 2])
    }

    @Test func aFailingMigrateOrExportRejectsTheVersion() async throws {
        let exporting = "return { process = function(r) r.v = 1 return r end, export_state = function() return { f = print } end }"
        let processor = try await LuaProcessor.load(name: "m", source: exporting, chunkName: "@m.lua")
        processor.reloads.log(to: nil)
        let badExport = await processor.reload(source: stampModule(2))
        #expect(badExport.kind == .failed && badExport.stage == .migrate)
        #expect(badExport.message.contains("cannot convert export_state().f"), "\(badExport.message)")

        let plain = try await LuaProcessor.load(name: "m", source: stampModule(1), chunkName: "@m.lua")
        plain.reloads.log(to: nil)
        let migrating = stampModule(2).replacingOccurrences(
            of: "return M", with: "function M.migrate(old, ctx)\n  error('cannot migrate from ' .. ctx.from_version)\nend\nreturn M")
        let outcome = await plain.reload(source: migrating)
        #expect(outcome.kind == .failed && outcome.stage == .migrate)
        #expect(outcome.message == "m.lua:6: cannot migrate from 1", "\(outcome.message)")
        #expect(stamps(await plain.process(batch: Self.batch(100))) == Array(repeating: 1, count: 100))
    }

    @Test func aNewVersionMayDefineOtherHooksAndRunOtherStates() async throws {
        // Version 1: two states, each counting and exporting its count.
        let v1 = """
            local M = {}
            local seen = 0
            function M.process(r) seen = seen + 1 return r end
            function M.export_state() return { seen = seen } end
            function M.shutdown(emit) emit({ from = 1 }) end
            return M
            """
        // Version 2: one state that adds up what every old state exported.
        let v2 = """
            local M = { parallel = false }
            local total = 0
            function M.migrate(old, ctx)
              for _, state in ipairs(ctx.states) do total = total + state.seen end
            end
            function M.process(r) total = total + 1 r.total = total return r end
            function M.shutdown(emit) emit({ total = total }) end
            return M
            """
        // Version 3: a plain function, no hooks at all.
        let v3 = "return function(r) r.plain = true return r end"
        let processor = try await LuaProcessor.load(
            name: "hooks", source: v1, options: LuaProcessorOptions(parallelism: 2, reloadPolicy: ReloadPolicy(probationRecords: 0)))
        processor.reloads.log(to: nil)
        #expect(processor.stateCount == 2)
        _ = await processor.process(batch: Self.batch(10))
        #expect(await processor.reload(source: v2).kind == .reloaded)
        #expect(processor.stateCount == 1)
        let counted = await processor.process(batch: Self.batch(1))
        #expect(counted.first?.records.first?.value["total"] == 11)
        #expect(await processor.reload(source: v3).kind == .reloaded)
        #expect(processor.stateCount == 2)
        #expect(await processor.process(batch: Self.batch(1)).first?.records.first?.value["plain"] == true)
        #expect(await processor.finish().flatMap(\.records).isEmpty, "version 3 has no shutdown hook")
    }

    @Test func contentThatIsAlreadyRunningIsNotAReload() async throws {
        let processor = try await Self.load(1)
        let outcome = await processor.reload(source: stampModule(1))
        #expect(outcome.kind == .unchanged)
        #expect(processor.reloads.statistics == .init())
        #expect(processor.reloads.outcomes.isEmpty)
    }

    @Test func aBatchIsNeverSplitBetweenVersions() async throws {
        let processor = try await Self.load(0, parallelism: 4)
        let reloads = Task {
            for version in 1...30 { await processor.reload(source: stampModule(version)) }
        }
        var batches: [[Int64?]] = []
        for round in 0..<200 {
            batches.append(stamps(await processor.process(batch: Self.batch(64, from: round * 64))))
        }
        await reloads.value
        for stamp in batches {
            #expect(Set(stamp).count == 1, "a batch processed by several versions: \(Set(stamp))")
        }
        let order = batches.compactMap { $0.first ?? nil }
        #expect(order == order.sorted(), "versions only go forward")
        #expect(processor.reloads.statistics.reloaded == 30)
    }

    @Test func aProcessorWithFailingInlineTestsDoesNotLoad() async throws {
        let broken = stampModule(1).replacingOccurrences(of: "r.v = 1", with: "r.v = 1.0")
        await #expect(throws: Error.self) {
            _ = try await LuaProcessor.load(name: "stamp", source: broken)
        }
        do {
            _ = try await LuaProcessor.load(name: "stamp", source: broken, chunkName: "@stamp.lua")
        } catch let error as LuaError {
            #expect(error.message == "stamp.lua:3: inline test 'stamps version 1' failed: output.v: expected 1 (integer), got 1.0 (float)")
        }
    }
}
