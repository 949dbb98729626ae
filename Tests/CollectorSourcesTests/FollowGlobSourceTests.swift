import CollectorGzip
import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

/// `source.follow` with a pattern: every matching file, each with its own position.
@Suite struct FollowGlobSourceTests {
    private func follower(_ pattern: String, position: String? = nil, notices: Locked<[String]>? = nil) -> FollowGlobSource {
        FollowGlobSource(
            id: "tail", pattern: pattern,
            options: .init(format: .text, pollInterval: .milliseconds(20), positionFile: position),
            notice: { text in notices?.withLock { $0.append(text) } }, decompression: .zlib)
    }

    /// The next `count` items as (file name, line), with a hang guard.
    private func take(_ count: Int, from source: FollowGlobSource) async throws -> [String] {
        try await TestSupport.guarded {
            var lines: [String] = []
            for _ in 0..<count {
                let item = try await source.collect()
                let name = item.metadata["path"]?.stringValue.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "?"
                lines.append("\(name):\(TestSupport.text(item))")
            }
            return lines
        }
    }

    @Test func followsEveryMatchingFileAndKeepsEachOnesOrder() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write("a1\na2\na3\n", to: dir + "/a.log")
            try TestSupport.write("b1\n", to: dir + "/b.log")
            try TestSupport.write("not followed\n", to: dir + "/c.txt")
            let source = follower(dir + "/*.log")
            try await source.connect()
            let lines = try await take(4, from: source)
            #expect(lines.filter { $0.hasPrefix("a.log") } == ["a.log:a1", "a.log:a2", "a.log:a3"])
            #expect(lines.contains("b.log:b1"))
            try TestSupport.append("b2\n", to: dir + "/b.log")
            #expect(try await take(1, from: source) == ["b.log:b2"])
            await source.disconnect()
        }
    }

    @Test func aFileThatComesToMatchIsPickedUpFromItsStart() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let notices = Locked<[String]>([])
            let source = follower(dir + "/*.log", notices: notices)
            try await source.connect()
            #expect(notices.withLock { $0 }.count == 1)
            #expect(notices.withLock { $0 }.first?.contains("no file matches") == true)
            let waiting = Task { try await take(2, from: source) }
            try await Task.sleep(for: .milliseconds(100))
            try TestSupport.write("new1\nnew2\n", to: dir + "/new.log")
            #expect(try await waiting.value == ["new.log:new1", "new.log:new2"])
            await source.disconnect()
        }
    }

    @Test func aGzipFileThatMatchesIsReadOnceNotFollowed() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write("live1\n", to: dir + "/app.log")
            try TestSupport.write(try GzipFileTests.gzip("old1\nold2\n"), to: dir + "/app.log.1.gz")
            let source = follower(dir + "/app.log*")
            try await source.connect()
            let lines = try await take(3, from: source)
            #expect(Set(lines) == ["app.log:live1", "app.log.1.gz:old1", "app.log.1.gz:old2"])
            // Nothing more from the gzip file, however long the source runs; the live file goes on.
            try TestSupport.append("live2\n", to: dir + "/app.log")
            #expect(try await take(1, from: source) == ["app.log:live2"])
            await source.disconnect()
        }
    }

    @Test func positionsPerFileSurviveARestart() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let position = dir + "/positions.json"
            try TestSupport.write("a1\na2\n", to: dir + "/a.log")
            try TestSupport.write("b1\n", to: dir + "/b.log")
            try TestSupport.write(try GzipFileTests.gzip("z1\n"), to: dir + "/z.log.gz")
            let first = follower(dir + "/*.log*", position: position)
            try await first.connect()
            #expect(Set(try await take(4, from: first)) == ["a.log:a1", "a.log:a2", "b.log:b1", "z.log.gz:z1"])
            await first.disconnect()
            let saved = try String(contentsOfFile: position, encoding: .utf8)
            #expect(saved.contains("\"path\":\"\(dir)/a.log\"") && saved.contains("\"path\":\"\(dir)/b.log\""), "\(saved)")

            try TestSupport.append("a3\n", to: dir + "/a.log")
            try TestSupport.append("b2\n", to: dir + "/b.log")
            let second = follower(dir + "/*.log*", position: position)
            try await second.connect()
            #expect(Set(try await take(2, from: second)) == ["a.log:a3", "b.log:b2"])
            // Nothing read twice: after those, the source is caught up.
            try TestSupport.append("a4\n", to: dir + "/a.log")
            #expect(try await take(1, from: second) == ["a.log:a4"])
            await second.disconnect()
        }
    }

    @Test func itemsCarryThePositionsOfAllFilesAsTheirCheckpoint() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write("a1\n", to: dir + "/a.log")
            try TestSupport.write("b1\n", to: dir + "/b.log")
            let source = follower(dir + "/*.log")
            try await source.connect()
            _ = try await TestSupport.guarded { try await source.collect() }
            let second = try await TestSupport.guarded { try await source.collect() }
            guard case .array(let files)? = second.checkpoint?["files"] else {
                Issue.record("no files in the checkpoint: \(String(describing: second.checkpoint))")
                return
            }
            #expect(Set(files.compactMap { $0["path"]?.stringValue }) == [dir + "/a.log", dir + "/b.log"])
            #expect(files.allSatisfy { $0["offset"] == .integer(3) })
            await source.disconnect()
        }
    }
}

extension FollowGlobSourceTests {
    @Test func aFileRotatedToAnotherMatchingNameIsNotReadAgain() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write("g1 a\ng1 b\n", to: path)
            let source = follower(dir + "/app.log*")
            try await source.connect()
            #expect(try await take(2, from: source) == ["app.log:g1 a", "app.log:g1 b"])
            try TestSupport.append("g1 c\n", to: path)
            try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            try TestSupport.write("g2 a\n", to: path)
            // The rest of the old file (under its new name), then the new one; nothing twice.
            let lines = try await take(2, from: source)
            #expect(lines.map { $0.split(separator: ":").last.map(String.init) ?? "" } == ["g1 c", "g2 a"])
            try TestSupport.append("g2 b\ng2 c\n", to: path)
            // Long enough for the pattern to be looked at again before the next item (not a timing assertion:
            // a later look finds the same). Files take turns: a follower of app.log.1 would hand out a line here.
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await take(2, from: source) == ["app.log:g2 b", "app.log:g2 c"])
            #expect(await source.paths.contains(path + ".1"), "the rotated name was looked at")
            await source.disconnect()
        }
    }

    @Test func aPositionFileOfOneFollowedFileAppliesToThatFileUnderAPattern() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let position = dir + "/pos.json"
            try TestSupport.write("x1\nx2\n", to: dir + "/x.log")
            let single = FollowFileSource(
                id: "tail", path: dir + "/x.log", options: .init(format: .text, pollInterval: .milliseconds(20), positionFile: position))
            try await single.connect()
            _ = try await TestSupport.guarded { [try await single.collect(), try await single.collect()] }
            await single.disconnect()
            try TestSupport.write("y1\n", to: dir + "/y.log")
            try TestSupport.append("x3\n", to: dir + "/x.log")
            let many = follower(dir + "/*.log", position: position)
            try await many.connect()
            #expect(Set(try await take(2, from: many)) == ["x.log:x3", "y.log:y1"])
            await many.disconnect()
            #expect(try String(contentsOfFile: position, encoding: .utf8).contains("\"files\":["))
        }
    }
}

extension FollowGlobSourceTests {
    @Test func startAtEndAppliesToTheFilesThereAtTheFirstLookOnly() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write("old a\n", to: dir + "/a.log")
            let source = FollowGlobSource(
                id: "tail", pattern: dir + "/*.log",
                options: .init(format: .text, pollInterval: .milliseconds(20), startAt: .end), notice: { _ in })
            try await source.connect()
            try TestSupport.write("new b\n", to: dir + "/b.log")
            try TestSupport.append("more a\n", to: dir + "/a.log")
            #expect(Set(try await take(2, from: source)) == ["a.log:more a", "b.log:new b"])
            await source.disconnect()
        }
    }
}
