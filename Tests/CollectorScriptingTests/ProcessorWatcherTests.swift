import CollectorValues
import Collectors
import Foundation
import Testing

@testable import CollectorScripting

/// Processor files changed on disk, the ways editors and people change them,
/// seen through the real inotify watcher.
@Suite("processor file watcher")
struct ProcessorWatcherTests {
    /// A processor loaded from `stamp.lua` in a fresh folder, and a watcher on it.
    struct Setup {
        let folder: ProcessorFolder
        let processor: LuaProcessor
        let watcher: ProcessorWatcher

        init(_ source: String = stampModule(1), quietPeriod: Duration = .milliseconds(50), modules: [String: String] = [:]) async throws {
            folder = try ProcessorFolder()
            for (name, text) in modules { try folder.save(name, text) }
            let path = try folder.save("stamp.lua", source)
            processor = try await LuaProcessor.load(
                file: path, options: LuaProcessorOptions(parallelism: 2, modulePaths: ["\(folder.path)/?.lua"]))
            processor.reloads.log(to: nil)
            watcher = try ProcessorWatcher(processors: [processor], quietPeriod: quietPeriod)
        }

        /// Waits until `count` outcomes were recorded; returns the last one.
        @discardableResult
        func outcome(_ count: Int) async throws -> ReloadOutcome {
            try await eventually("\(count) reload outcomes") { processor.reloads.outcomes.count >= count }
            return processor.reloads.outcomes[count - 1]
        }

        func stampsNow() async -> [Int64?] {
            stamps(await processor.process(batch: ReloadTests.batch(200)))
        }
    }

    @Test func savingByRenameReloadsTheProcessor() async throws {
        let setup = try await Setup()
        defer { setup.watcher.stop() }
        #expect(setup.watcher.files == [setup.folder.file("stamp.lua")])
        try setup.folder.save("stamp.lua", stampModule(2))
        #expect(try await setup.outcome(1).kind == .reloaded)
        #expect(await setup.stampsNow() == Array(repeating: 2, count: 200))
        try setup.folder.overwrite("stamp.lua", stampModule(3))  // in place, as `echo > file` does
        #expect(try await setup.outcome(2).kind == .reloaded)
        #expect(await setup.stampsNow() == Array(repeating: 3, count: 200))
    }

    @Test func twentySavesInABurstAreOneReloadOfTheLastContent() async throws {
        // The quiet period is generous so that a busy machine cannot split the burst.
        let setup = try await Setup(quietPeriod: .milliseconds(400))
        defer { setup.watcher.stop() }
        for version in 2...21 { try setup.folder.save("stamp.lua", stampModule(version)) }
        let outcome = try await setup.outcome(1)
        #expect(outcome.kind == .reloaded)
        #expect(outcome.scriptHash == ScriptHash.of(stampModule(21)))
        // A later change is the second outcome: the burst gave no other.
        try setup.folder.save("stamp.lua", stampModule(22))
        #expect(try await setup.outcome(2).scriptHash == ScriptHash.of(stampModule(22)))
        #expect(setup.processor.reloads.statistics.reloaded == 2)
    }

    @Test func aDeletedFileKeepsTheVersionAndItsReturnIsReloaded() async throws {
        let setup = try await Setup()
        defer { setup.watcher.stop() }
        try FileManager.default.removeItem(atPath: setup.folder.file("stamp.lua"))
        let deleted = try await setup.outcome(1)
        #expect(deleted.kind == .failed && deleted.stage == .read)
        #expect(deleted.message.contains("no such file"), "\(deleted.message)")
        #expect(await setup.stampsNow() == Array(repeating: 1, count: 200))
        try setup.folder.save("stamp.lua", stampModule(2))
        #expect(try await setup.outcome(2).kind == .reloaded)
        #expect(await setup.stampsNow() == Array(repeating: 2, count: 200))
    }

    @Test func aFileReplacedByADirectoryAndBack() async throws {
        let setup = try await Setup()
        defer { setup.watcher.stop() }
        let path = setup.folder.file("stamp.lua")
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try await eventually("the directory is reported") {
            setup.processor.reloads.outcomes.contains { $0.message.contains("it is a directory") }
        }
        #expect(setup.processor.reloads.outcomes.allSatisfy { $0.kind == .failed && $0.stage == .read })
        #expect(await setup.stampsNow() == Array(repeating: 1, count: 200))
        let before = setup.processor.reloads.outcomes.count
        try FileManager.default.removeItem(atPath: path)
        try setup.folder.save("stamp.lua", stampModule(2))
        try await eventually("the file is back") { setup.processor.reloads.statistics.reloaded == 1 }
        #expect(setup.processor.reloads.outcomes.count > before)
        #expect(await setup.stampsNow() == Array(repeating: 2, count: 200))
    }

    @Test func aFileWrittenInTwoPartsIsLoadedWhenItIsClosed() async throws {
        let setup = try await Setup()
        defer { setup.watcher.stop() }
        let text = Array(stampModule(2).utf8)
        let half = text.count / 2
        // One writer, two writes: nothing is loaded before it closes the file.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: setup.folder.file("stamp.lua")))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: text[..<half])
        try handle.write(contentsOf: text[half...])
        try handle.close()
        let outcome = try await setup.outcome(1)
        #expect(outcome.kind == .reloaded && outcome.scriptHash == ScriptHash.of(stampModule(2)))
        // Two writers: the first half is a broken version, the whole file a good one.
        try setup.folder.overwrite("stamp.lua", String(decoding: Array(stampModule(3).utf8).prefix(40), as: UTF8.self))
        let partial = try await setup.outcome(2)
        #expect(partial.kind == .failed && partial.stage == .compile)
        #expect(await setup.stampsNow() == Array(repeating: 2, count: 200))
        try setup.folder.overwrite("stamp.lua", stampModule(3))
        #expect(try await setup.outcome(3).kind == .reloaded)
        #expect(await setup.stampsNow() == Array(repeating: 3, count: 200))
    }

    @Test func aRequiredModuleThatBreaksKeepsTheVersionUntilItIsFixed() async throws {
        let processor = """
            local stamp = require("helper")
            return { process = function(r) r.v = stamp.version return r end }
            """
        let setup = try await Setup(processor, modules: ["helper.lua": "return { version = 1 }"])
        defer { setup.watcher.stop() }
        #expect(Set(setup.watcher.files) == [setup.folder.file("stamp.lua"), setup.folder.file("helper.lua")])
        try setup.folder.save("helper.lua", "return { version = }")
        let broken = try await setup.outcome(1)
        #expect(broken.kind == .failed && broken.stage == .load)
        #expect(broken.message.contains("helper.lua:1: unexpected symbol"), "\(broken.message)")
        #expect(broken.file?.hasSuffix("helper.lua") == true && broken.line == 1, "\(broken)")
        #expect(await setup.stampsNow() == Array(repeating: 1, count: 200))
        try setup.folder.save("helper.lua", "return { version = 2 }")
        #expect(try await setup.outcome(2).kind == .reloaded)
        #expect(await setup.stampsNow() == Array(repeating: 2, count: 200))
    }

    @Test func aVersionThatRequiresAnotherModuleIsWatchedThere() async throws {
        let setup = try await Setup(modules: ["other.lua": "return { version = 5 }"])
        defer { setup.watcher.stop() }
        try setup.folder.save("stamp.lua", "local o = require('other')\nreturn function(r) r.v = o.version return r end")
        #expect(try await setup.outcome(1).kind == .reloaded)
        #expect(await setup.stampsNow() == Array(repeating: 5, count: 200))
        try await eventually("the new module is watched") { setup.watcher.files.contains(setup.folder.file("other.lua")) }
        try setup.folder.save("other.lua", "return { version = 6 }")
        #expect(try await setup.outcome(2).kind == .reloaded)
        #expect(await setup.stampsNow() == Array(repeating: 6, count: 200))
    }
}
