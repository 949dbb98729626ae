import CollectorSQLite
import CollectorValues
import Collectors
import Foundation
import Testing

@testable import CollectorScripting

/// The guarantee of hot reload, end to end: every record is processed
/// exactly once, by exactly one good version, and stored in source order,
/// while the processor file is rewritten under a running pipeline.
@Suite("hot reload under load")
struct ReloadUnderLoadTests {
    /// A stream source the test feeds: records are released in chunks, so
    /// that each chunk is known to come after a given version was saved.
    final class ChunkedSource: DataSource {
        let id = "chunks"
        private let items: AsyncThrowingStream<CollectedData, any Error>
        private let feed: AsyncThrowingStream<CollectedData, any Error>.Continuation

        init() {
            (items, feed) = AsyncThrowingStream<CollectedData, any Error>.makeStream()
        }

        func connect() async throws {}
        func disconnect() async {}
        func collect() async throws -> CollectedData { throw CancellationError() }
        func stream() -> AsyncThrowingStream<CollectedData, any Error> { items }

        /// Records `range` as JSON lines, `perItem` to an item.
        func release(_ range: Range<Int>, perItem: Int) {
            for start in stride(from: range.lowerBound, to: range.upperBound, by: perItem) {
                var text = ""
                for i in start..<min(start + perItem, range.upperBound) { text += "{\"i\":\(i),\"sensor\":\"s-\(i % 97)\"}\n" }
                feed.yield(CollectedData(sourceID: id, format: .jsonLines, method: .mock, payload: Array(text.utf8)))
            }
        }

        func end() { feed.finish() }
    }

    enum Kind: CaseIterable {
        case good, syntaxError, failingInit, failingTest, failsEveryRecord
    }

    /// Rewrite `k` (1...50): one version in five of each broken kind, the rest good.
    static func kind(of version: Int) -> Kind {
        switch version % 10 {
        case 3: .syntaxError
        case 5: .failingInit
        case 7: .failingTest
        case 9: .failsEveryRecord
        default: .good
        }
    }

    static func source(_ version: Int) -> String {
        let good = stampModule(version)
        switch kind(of: version) {
        case .good:
            return good
        case .syntaxError:
            return good.replacingOccurrences(of: "return r end", with: "return r")
        case .failingInit:
            return good.replacingOccurrences(
                of: "return M", with: "function M.init() error('version \(version) cannot start') end\nreturn M")
        case .failingTest:
            return good.replacingOccurrences(of: "v = \(version) } } }", with: "v = \(version + 1000) } } }")
        case .failsEveryRecord:
            return "-- version \(version)\nreturn function(r) error('version \(version) fails every record') end"
        }
    }

    @Test func twoHundredThousandRecordsThroughFiftyRewritesAreEachStoredOnceByAGoodVersionInOrder() async throws {
        let rewrites = 50
        let perChunk = 4_000
        let folder = try ProcessorFolder()
        let path = try folder.save("stamp.lua", Self.source(0))
        let processor = try await LuaProcessor.load(file: path, options: LuaProcessorOptions(parallelism: 2))
        processor.reloads.log(to: nil)
        let events = EventLog()
        processor.reloads.report(to: events.bus)
        let watcher = try ProcessorWatcher(processors: [processor], quietPeriod: .milliseconds(50))
        defer { watcher.stop() }

        let database = folder.file("records.db")
        let storage = SQLiteStorage(id: "db", path: database)
        let source = ChunkedSource()
        let pipeline = try Pipeline(
            name: "reload", sources: [source], mode: .stream, processors: [processor], backends: [storage],
            configuration: PipelineConfiguration(batchSize: 500))
        let run = Task { await pipeline.run() }

        // The version whose stamp each chunk must carry: the last good one saved before it.
        var expected: [Int64] = []
        var lastGood = 0
        for version in 1...rewrites {
            // A rollback is an outcome too: count from what is there now.
            let before = processor.reloads.outcomes.count
            try folder.save("stamp.lua", Self.source(version))
            try await eventually("version \(version) is loaded or rejected") { processor.reloads.outcomes.count > before }
            let outcome = processor.reloads.outcomes[before]
            #expect(outcome.scriptHash == ScriptHash.of(Self.source(version)), "the reload of version \(version) saw its content")
            #expect(outcome.kind == ([.good, .failsEveryRecord].contains(Self.kind(of: version)) ? .reloaded : .failed))
            if Self.kind(of: version) == .good { lastGood = version }
            expected.append(Int64(lastGood))
            source.release((version - 1) * perChunk..<version * perChunk, perItem: 500)
            try await eventually("chunk \(version) is processed") {
                let done = await pipeline.processing.statistics
                return done.output + done.dropped + done.failed >= version * perChunk
            }
        }
        source.end()
        let report = await run.value
        #expect(report.status == .completed)
        #expect(report.processing.input == rewrites * perChunk)
        #expect(report.processing.failed == 0, "no record was lost to a broken version")

        let kinds = (1...rewrites).map(Self.kind(of:))
        let count = { (kind: Kind) in kinds.filter { $0 == kind }.count }
        #expect(
            processor.reloads.statistics
                == .init(
                    reloaded: count(.good) + count(.failsEveryRecord),
                    failed: count(.syntaxError) + count(.failingInit) + count(.failingTest),
                    rolledBack: count(.failsEveryRecord)))
        await events.bus.close()
        #expect(events.events.filter { $0.type == .reloadRolledBack }.count == count(.failsEveryRecord))

        try await storage.connect()
        let rows = try await storage.query(QueryCriteria())
        await storage.disconnect()
        #expect(rows.count == rewrites * perChunk)
        var misplaced = 0
        var wrongVersion = 0
        for (index, row) in rows.enumerated() {
            if row["i"]?.intValue != Int64(index) { misplaced += 1 }
            if row["v"]?.intValue != expected[index / perChunk] { wrongVersion += 1 }
        }
        #expect(misplaced == 0, "every record once, in source order")
        #expect(wrongVersion == 0, "every record stamped by the good version that was running")
        let versions = Set(rows.compactMap { $0["v"]?.intValue })
        #expect(versions.allSatisfy { Self.kind(of: Int($0)) == .good || $0 == 0 })
    }
}
