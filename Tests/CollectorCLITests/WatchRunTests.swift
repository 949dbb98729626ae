import Foundation
import Testing

/// `collector run --watch`: a running pipeline picks up a saved processor.
@Suite("collector run --watch")
struct WatchRunTests {
    /// `collector` running in the background, its output gathered as it comes.
    final class Background: @unchecked Sendable {
        // @unchecked: the buffers are guarded by `lock`; the rest is set once in init.
        private let process = Process()
        private let lock = NSLock()
        private var out = Data()
        private var err = Data()
        private let outPipe = Pipe()
        private let errPipe = Pipe()

        init(_ arguments: [String]) throws {
            process.executableURL = Collector.executable
            process.arguments = arguments
            process.standardOutput = outPipe
            process.standardError = errPipe
            process.standardInput = FileHandle.nullDevice
            outPipe.fileHandleForReading.readabilityHandler = { [unowned self] handle in append(handle.availableData, toError: false) }
            errPipe.fileHandleForReading.readabilityHandler = { [unowned self] handle in append(handle.availableData, toError: true) }
            try process.run()
        }

        private func append(_ data: Data, toError: Bool) {
            lock.withLock { if toError { err.append(data) } else { out.append(data) } }
        }

        var pid: Int32 { process.processIdentifier }
        var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }
        var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }

        /// SIGINT (a graceful stop) or `signal`, then everything it wrote and its status.
        func stop(signal: Int32 = SIGINT) -> Collector.Outcome {
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            outPipe.fileHandleForReading.readabilityHandler = nil
            errPipe.fileHandleForReading.readabilityHandler = nil
            append(outPipe.fileHandleForReading.readDataToEndOfFile(), toError: false)
            append(errPipe.fileHandleForReading.readDataToEndOfFile(), toError: true)
            return lock.withLock {
                Collector.Outcome(
                    status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                    stderr: String(decoding: err, as: UTF8.self))
            }
        }
    }

    /// Polls `condition`; the bound only keeps a bug from hanging the suite.
    static func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(120)
        while try !condition() {
            guard Date() < deadline else {
                Issue.record("timed out waiting until \(what)")
                throw CancellationError()
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    static func save(_ text: String, to path: String) throws {
        let temporary = path + ".swp"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, path) == 0 else { throw POSIXError(.EIO) }
    }

    static func stamp(_ version: Int) -> String {
        "return function(r) r.v = \(version) return r end"
    }

    @Test func aSavedProcessorIsReloadedAndABrokenOneIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cwatch-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let data = folder + "/in.jsonl"
        let output = folder + "/out.jsonl"
        let processor = folder + "/stamp.lua"
        _ = FileManager.default.createFile(atPath: data, contents: nil)
        try Self.save(Self.stamp(1), to: processor)
        let script = folder + "/main.lua"
        try """
            -- Reloads are events of the script too.
            on("reload_succeeded", function(e) print("EVENT reload_succeeded " .. e.source) end)
            on("reload_failed", function(e) print("EVENT reload_failed " .. e.source) end)
            pipeline "watched" {
              from = { source.follow { path = "\(data)", poll = "10ms" } },
              process = { processor.file("stamp.lua", { parallel = 2, probation = 5 }) },
              to = { storage.jsonl { path = "\(output)", sync = "record" } },
            }
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let running = try Background(["run", "--watch", script])
        var appended = 0
        let input = try FileHandle(forWritingTo: URL(fileURLWithPath: data))
        func append(_ count: Int) throws {
            let lines = (appended..<appended + count).map { "{\"i\":\($0)}\n" }.joined()
            try input.write(contentsOf: Data(lines.utf8))
            appended += count
            try Self.waitUntil("\(appended) records are stored") { try Self.stored(output).count >= appended }
        }
        try append(10)
        try Self.save(Self.stamp(2), to: processor)
        try Self.waitUntil("the reload is logged") { running.stderr.contains("processor stamp: reloaded: version 2") }
        // Batches too small to judge version 2 are still version 1's: append until its records come out.
        try Self.waitUntil("version 2 stamps records") {
            try append(10)
            return try Self.stored(output).last?["v"] as? Int == 2
        }
        try Self.save("return function(r) r.v = 3 return r", to: processor)
        try Self.waitUntil("the broken version is refused") { running.stderr.contains("reload of version 3 failed (compile)") }
        // Back to what runs: nothing to reload, and a line says the save was seen.
        try Self.save(Self.stamp(2), to: processor)
        try Self.waitUntil("the unchanged save is logged") {
            running.stderr.contains("processor stamp: unchanged: version 2 keeps running")
        }
        try append(10)
        let outcome = running.stop()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("reload of version 3 failed (compile): \(processor):1: 'end' expected"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("version 2 keeps running"))
        let records = try Self.stored(output)
        #expect(records.map { $0["i"] as? Int } == Array(0..<appended), "each record once, in order")
        let versions = records.compactMap { $0["v"] as? Int }
        #expect(versions.count == appended)
        #expect(versions == versions.sorted() && Set(versions) == [1, 2])
        #expect(versions.suffix(10) == Array(repeating: 2, count: 10), "the broken version never ran")
        #expect(outcome.stdout.contains("pipeline watched: \(appended) in, \(appended) out"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("EVENT reload_succeeded stamp\n"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("EVENT reload_failed stamp\n"), "\(outcome.stdout)")
    }

    @Test func reloadLinesAreInTheChosenLogFormat() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cwatch-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let data = folder + "/in.jsonl"
        let output = folder + "/out.jsonl"
        let processor = folder + "/stamp.lua"
        _ = FileManager.default.createFile(atPath: data, contents: Data("{\"i\":0}\n".utf8))
        try Self.save(Self.stamp(1), to: processor)
        let script = folder + "/main.lua"
        try """
            pipeline "watched" {
              from = { source.follow { path = "\(data)", poll = "10ms" } },
              process = { processor.file "stamp.lua" },
              to = { storage.jsonl { path = "\(output)", sync = "record" } },
            }
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let running = try Background(["run", "--watch", "--log-format", "json", script])
        try Self.waitUntil("the first record is stored") { try Self.stored(output).count == 1 }
        try Self.save(Self.stamp(2), to: processor)
        try Self.waitUntil("the reload is logged") { running.stderr.contains("reloaded: version 2") }
        try Self.save("return function(r) r.v = 3 return r", to: processor)
        try Self.waitUntil("the broken version is refused") { running.stderr.contains("reload of version 3 failed") }
        let outcome = running.stop()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        var lines: [[String: Any]] = []
        for line in outcome.stderr.split(separator: "\n") {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            if let object { lines.append(object) }
        }
        let reloaded = lines.first { ($0["msg"] as? String)?.contains("processor stamp: reloaded: version 2") == true }
        #expect(reloaded?["level"] as? String == "info", "\(outcome.stderr)")
        let refused = lines.first { ($0["msg"] as? String)?.contains("reload of version 3 failed (compile)") == true }
        #expect(refused?["level"] as? String == "error", "\(outcome.stderr)")
    }

    static func stored(_ path: String) throws -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }
}
