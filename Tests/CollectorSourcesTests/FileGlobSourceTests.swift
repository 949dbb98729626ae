import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

/// `FileSource` with a pattern for a path: every matching file, in name order.
@Suite struct FileGlobSourceTests {
    private func items(_ source: FileSource) async throws -> [CollectedData] {
        try await TestSupport.guarded {
            var items: [CollectedData] = []
            for try await item in source.stream() { items.append(item) }
            return items
        }
    }

    @Test func readsEveryMatchingFileInNameOrderWithItsPath() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write("b1\nb2\n", to: dir + "/b.log")
            try TestSupport.write("a1\n", to: dir + "/a.log")
            try TestSupport.write("c1\nc2", to: dir + "/c.log")
            try TestSupport.write("skipped\n", to: dir + "/notes.txt")
            try FileManager.default.createDirectory(atPath: dir + "/d.log", withIntermediateDirectories: true)
            let source = FileSource(id: "f", path: dir + "/*.log", options: .init(format: .text))
            try await source.connect()
            let read = try await items(source)
            #expect(read.map(TestSupport.text) == ["a1", "b1", "b2", "c1", "c2"])
            #expect(read.map { $0.metadata["path"] } == ["a", "b", "b", "c", "c"].map { .string(dir + "/\($0).log") })
            #expect(read.map { $0.metadata["line"] } == [1, 1, 2, 1, 2].map { .integer($0) })
            await source.disconnect()
        }
    }

    @Test func jsonLinesItemsHoldLinesOfOneFileOnly() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write("{\"n\":1}\n{\"n\":2}\n", to: dir + "/1.jsonl")
            try TestSupport.write("{\"n\":3}\n", to: dir + "/2.jsonl")
            let source = FileSource(id: "f", path: dir + "/?.jsonl")
            try await source.connect()
            let read = try await items(source)
            #expect(read.map(TestSupport.text) == ["{\"n\":1}\n{\"n\":2}\n", "{\"n\":3}\n"])
            #expect(read.map { $0.metadata["path"] } == [.string(dir + "/1.jsonl"), .string(dir + "/2.jsonl")])
            await source.disconnect()
        }
    }

    @Test func doubleStarMatchesAnyDepthAndSetsMatchOneCharacter() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/x/y", withIntermediateDirectories: true)
            try TestSupport.write("top\n", to: dir + "/t.log")
            try TestSupport.write("deep\n", to: dir + "/x/y/d.log")
            try TestSupport.write("mid\n", to: dir + "/x/m.log")
            let deep = FileSource(id: "f", path: dir + "/**/*.log", options: .init(format: .text))
            try await deep.connect()
            #expect(try await items(deep).map(TestSupport.text) == ["top", "mid", "deep"])
            let set = FileSource(id: "f", path: dir + "/[mt].log", options: .init(format: .text))
            try await set.connect()
            #expect(try await items(set).map(TestSupport.text) == ["top"])
        }
    }

    @Test func aPatternThatMatchesNothingIsAClearError() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            for mode in [FileSource.Mode.lines, .whole] {
                let source = FileSource(id: "f", path: dir + "/*.log", options: .init(mode: mode))
                let error = await #expect(throws: ErrorInfo.self) { try await source.connect() }
                #expect(error?.type == .notFound)
                #expect(error?.message == "no file matches '\(dir)/*.log'")
            }
        }
    }

    @Test func wholeModeStreamsEachFileOnceAndCollectCyclesThroughThem() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write("{\"f\":1}", to: dir + "/1.json")
            try TestSupport.write("{\"f\":2}", to: dir + "/2.json")
            let source = FileSource(id: "f", path: dir + "/*.json", options: .init(mode: .whole, format: .json))
            try await source.connect()
            #expect(try await items(source).map(TestSupport.text) == ["{\"f\":1}", "{\"f\":2}"])
            let again = FileSource(id: "f", path: dir + "/*.json", options: .init(mode: .whole, format: .json))
            try await again.connect()
            var collected: [String] = []
            for _ in 0..<3 { collected.append(TestSupport.text(try await again.collect())) }
            #expect(collected == ["{\"f\":1}", "{\"f\":2}", "{\"f\":1}"])
        }
    }
}

extension FileGlobSourceTests {
    @Test func aFileWhoseNameHasWildcardCharactersIsReadAsItself() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write("literal\n", to: dir + "/data[1].log")
            try TestSupport.write("other\n", to: dir + "/data1.log")
            let source = FileSource(id: "f", path: dir + "/data[1].log", options: .init(format: .text))
            try await source.connect()
            #expect(try await items(source).map(TestSupport.text) == ["literal"])
            #expect(!FollowGlobSource.isPattern(dir + "/data[1].log"))
            #expect(FollowGlobSource.isPattern(dir + "/data[12].log"))
        }
    }
}
