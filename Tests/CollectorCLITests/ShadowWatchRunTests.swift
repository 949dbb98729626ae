import Foundation
import Testing

/// `collector run --watch --shadow`: a saved processor runs beside the live
/// one, its differences are logged and never stored, and it is swapped in
/// on SIGUSR1 or after enough records with no difference.
@Suite("collector run --watch --shadow")
struct ShadowWatchRunTests {
    typealias Background = WatchRunTests.Background

    /// A follow pipeline over `in.jsonl` with `stamp.lua` (version 1) storing into `out.jsonl`.
    struct Setup {
        let folder: String
        let data: String
        let output: String
        let processor: String
        let script: String
        var appended = 0

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("cshadow-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            data = folder + "/in.jsonl"
            output = folder + "/out.jsonl"
            processor = folder + "/stamp.lua"
            script = folder + "/main.lua"
            _ = FileManager.default.createFile(atPath: data, contents: nil)
            try WatchRunTests.save(WatchRunTests.stamp(1), to: processor)
            try """
                pipeline "watched" {
                  from = { source.follow { path = "\(data)", poll = "10ms" } },
                  process = { processor.file("stamp.lua", { probation = 5 }) },
                  to = { storage.jsonl { path = "\(output)", sync = "record" } },
                }
                """.write(toFile: script, atomically: true, encoding: .utf8)
        }

        mutating func append(_ count: Int) throws {
            let lines = (appended..<appended + count).map { "{\"i\":\($0)}\n" }.joined()
            let input = try FileHandle(forWritingTo: URL(fileURLWithPath: data))
            try input.seekToEnd()
            try input.write(contentsOf: Data(lines.utf8))
            try input.close()
            appended += count
            let target = appended
            try WatchRunTests.waitUntil("\(target) records are stored") { try WatchRunTests.stored(output).count >= target }
        }
    }

    @Test func theSavedVersionIsComparedNeverStoredAndPromotedOnSIGUSR1() throws {
        var setup = try Setup()
        let running = try Background(["run", "--watch", "--shadow", "--shadow-interval", "50ms", setup.script])
        try setup.append(5)
        try WatchRunTests.save(WatchRunTests.stamp(2), to: setup.processor)
        try WatchRunTests.waitUntil("the shadow run starts") {
            running.stderr.contains("processor stamp: shadow run: the saved version")
        }
        #expect(running.stderr.contains("runs beside version 1"), "\(running.stderr)")
        #expect(running.stderr.contains("promote now: kill -USR1 "), "\(running.stderr)")
        try setup.append(10)
        try WatchRunTests.waitUntil("the counts are logged") {
            running.stderr.contains("10 compared: 0 same, 10 different, 0 only-old, 0 only-new, 0 failed")
        }
        #expect(running.stderr.contains("[1].v: expected 1, got 2"), "a field diff: \(running.stderr)")
        var records = try WatchRunTests.stored(setup.output)
        #expect(records.allSatisfy { $0["v"] as? Int == 1 }, "the shadow run's outputs are never stored")

        // A broken save is refused; the shadow run of version 2 goes on.
        try WatchRunTests.save("return function(r) r.v = 3 return r", to: setup.processor)
        try WatchRunTests.waitUntil("the broken version is refused") {
            running.stderr.contains("the saved version cannot run beside version 1")
        }
        #expect(running.stderr.contains("'end' expected"), "\(running.stderr)")
        #expect(running.stderr.contains("version 1 keeps running, the shadow run of "), "\(running.stderr)")
        try WatchRunTests.save(WatchRunTests.stamp(2), to: setup.processor)
        try WatchRunTests.waitUntil("saving what the shadow run runs changes nothing") {
            running.stderr.contains("processor stamp: unchanged: the shadow run of ")
        }

        kill(running.pid, SIGUSR1)
        try WatchRunTests.waitUntil("the promotion is logged") { running.stderr.contains("processor stamp: reloaded: version") }
        #expect(running.stderr.contains("promoting the shadow run's version"), "\(running.stderr)")
        try WatchRunTests.waitUntil("version 2 stamps records") {
            try setup.append(5)
            return try WatchRunTests.stored(setup.output).last?["v"] as? Int == 2
        }
        let outcome = running.stop()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        records = try WatchRunTests.stored(setup.output)
        #expect(records.map { $0["i"] as? Int } == Array(0..<setup.appended), "each record once, in order")
        let versions = records.compactMap { $0["v"] as? Int }
        #expect(versions == versions.sorted() && Set(versions) == [1, 2], "\(versions)")
    }

    @Test func aVersionWithNoDifferenceIsPromotedOnItsOwnAndSavingTheLiveVersionEndsARun() throws {
        var setup = try Setup()
        let running = try Background([
            "run", "--watch", "--shadow", "--shadow-interval", "50ms", "--shadow-promote-after", "8", setup.script,
        ])
        try setup.append(3)
        // Another version, then the live one again: the shadow run ends, nothing is promoted.
        try WatchRunTests.save(WatchRunTests.stamp(5), to: setup.processor)
        try WatchRunTests.waitUntil("the shadow run starts") { running.stderr.contains("shadow run: the saved version") }
        try WatchRunTests.save(WatchRunTests.stamp(1), to: setup.processor)
        try WatchRunTests.waitUntil("the shadow run ends") {
            running.stderr.contains("processor stamp: the saved file is version 1 again: shadow run ended")
        }
        // The same outputs from other code: promoted once 8 records agreed.
        try WatchRunTests.save("return function(r) r.v = 2 - 1 return r end", to: setup.processor)
        try WatchRunTests.waitUntil("the second shadow run starts") {
            running.stderr.components(separatedBy: "shadow run: the saved version").count == 3
        }
        try WatchRunTests.waitUntil("it is promoted") {
            try setup.append(4)
            return running.stderr.contains("processor stamp: reloaded: version")
        }
        let outcome = running.stop()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("records compared, every one the same"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains(" same, 0 different, 0 only-old, 0 only-new, 0 failed"), "\(outcome.stderr)")
        let records = try WatchRunTests.stored(setup.output)
        #expect(records.map { $0["i"] as? Int } == Array(0..<setup.appended))
        #expect(records.allSatisfy { $0["v"] as? Int == 1 }, "version 5 never stored a record")
    }

    @Test func shadowOptionsNeedWatch() throws {
        let setup = try Setup()
        let alone = try Collector.run(["run", "--shadow", setup.script])
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("--shadow works with --watch"), "\(alone.stderr)")
        let interval = try Collector.run(["run", "--watch", "--shadow-interval", "5s", setup.script])
        #expect(interval.status == 2)
        #expect(interval.stderr.contains("--shadow-interval works with --watch --shadow"), "\(interval.stderr)")
        let bad = try Collector.run(["run", "--watch", "--shadow", "--shadow-promote-after", "none", setup.script])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--shadow-promote-after must be a whole number"), "\(bad.stderr)")
    }
}
