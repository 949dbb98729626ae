import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite struct FollowFileSourceTests {
    private func follower(
        _ path: String, position: String? = nil, startAt: FollowFileSource.Start = .beginning,
        format: DataFormat = .jsonLines
    ) -> FollowFileSource {
        FollowFileSource(
            id: "tail", path: path,
            options: .init(format: format, pollInterval: .milliseconds(20), positionFile: position, startAt: startAt))
    }

    /// The next `count` lines, with a hang guard.
    private func take(_ count: Int, from source: FollowFileSource) async throws -> [String] {
        try await TestSupport.guarded {
            var lines: [String] = []
            for _ in 0..<count { lines.append(TestSupport.text(try await source.collect())) }
            return lines
        }
    }

    @Test func newLinesAreCollectedAsTheyAreWritten() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write("one\ntwo\n", to: path)
            let source = follower(path)
            try await source.connect()
            #expect(try await take(2, from: source) == ["one", "two"])
            try TestSupport.append("thr", to: path)  // a partial line is held back
            try TestSupport.append("ee\nfour\n", to: path)
            #expect(try await take(2, from: source) == ["three", "four"])
            await source.disconnect()
        }
    }

    /// Lines are numbered while the count is known: from the file's start,
    /// and on across a restart at a saved position; a file first opened at
    /// its end gives no line numbers.
    @Test func linesAreNumberedOnlyWhileTheCountIsKnown() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            let position = dir + "/app.position"
            try TestSupport.write("a\nb\n", to: path)
            let first = follower(path, position: position)
            try await first.connect()
            var lines: [DataValue?] = []
            for _ in 0..<2 { lines.append(try await TestSupport.guarded { try await first.collect() }.metadata["line"]) }
            await first.disconnect()
            try TestSupport.append("c\n", to: path)
            let second = follower(path, position: position)
            try await second.connect()
            lines.append(try await TestSupport.guarded { try await second.collect() }.metadata["line"])
            await second.disconnect()
            #expect(lines == [1, 2, 3])

            let fromEnd = follower(path, startAt: .end)
            try await fromEnd.connect()
            try TestSupport.append("d\n", to: path)
            let item = try await TestSupport.guarded { try await fromEnd.collect() }
            #expect(TestSupport.text(item) == "d")
            #expect(item.metadata["line"] == nil)
            #expect(item.metadata["offset"] == 6)
            await fromEnd.disconnect()
        }
    }

    @Test func aFileCreatedLaterIsPickedUp() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/later.log"
            let source = follower(path)
            try await source.connect()
            let waiting = Task { try await take(1, from: source) }
            try await Task.sleep(for: .milliseconds(100))
            try TestSupport.write("hello\n", to: path)
            #expect(try await waiting.value == ["hello"])
            await source.disconnect()
        }
    }

    @Test func survivesRotationByRename() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write("a1\na2\n", to: path)
            let source = follower(path)
            try await source.connect()
            #expect(try await take(2, from: source) == ["a1", "a2"])
            try TestSupport.append("a3\na4-unterminated", to: path)
            try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            try TestSupport.write("b1\n", to: path)
            #expect(try await take(3, from: source) == ["a3", "a4-unterminated", "b1"])
            try TestSupport.append("b2\n", to: path)
            #expect(try await take(1, from: source) == ["b2"])
            await source.disconnect()
        }
    }

    @Test func rotatedTwiceQuicklyCollectsNothingTwice() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write("a1\n", to: path)
            let source = follower(path)
            try await source.connect()
            #expect(try await take(1, from: source) == ["a1"])
            // Two rotations between two polls: the source still holds generation a.
            try TestSupport.append("a2\n", to: path)
            try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            try TestSupport.write("b1\n", to: path)
            try FileManager.default.moveItem(atPath: path + ".1", toPath: path + ".2")
            try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            try TestSupport.write("c1\nc2\n", to: path)
            let lines = try await take(3, from: source)
            #expect(Set(lines).count == lines.count)
            #expect(lines.first == "a2")
            #expect(lines.suffix(2) == ["c1", "c2"] || lines.suffix(2) == ["b1", "c1"])
            try TestSupport.append("c3\n", to: path)
            let rest = try await take(lines.contains("c2") ? 1 : 2, from: source)
            #expect(rest.last == "c3")
            #expect(Set(lines + rest).count == lines.count + rest.count)
            await source.disconnect()
        }
    }

    @Test func truncationStartsOverFromTheTop() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write("first line\nsecond line\n", to: path)
            let source = follower(path)
            try await source.connect()
            #expect(try await take(2, from: source) == ["first line", "second line"])
            // Same inode, shorter content: `> file` in a shell.
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.truncate(atOffset: 0)
            try handle.close()
            try await Task.sleep(for: .milliseconds(100))
            try TestSupport.append("new\n", to: path)
            #expect(try await take(1, from: source) == ["new"])
            await source.disconnect()
        }
    }

    @Test func aDeletedFileIsFinishedThenAReplacementIsFollowed() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write("x1\n", to: path)
            let source = follower(path)
            try await source.connect()
            #expect(try await take(1, from: source) == ["x1"])
            try TestSupport.append("x2\n", to: path)
            try FileManager.default.removeItem(atPath: path)
            #expect(try await take(1, from: source) == ["x2"])
            try TestSupport.write("y1\n", to: path)
            #expect(try await take(1, from: source) == ["y1"])
            await source.disconnect()
        }
    }

    /// A log holding `text` in `dir`, and the file its position is kept in.
    private func log(_ text: String, in dir: String) throws -> (path: String, position: String) {
        try TestSupport.write(text, to: dir + "/app.log")
        return (dir + "/app.log", dir + "/app.position")
    }

    @Test func aRestartResumesAfterTheLastLineWithoutDuplicates() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let (path, position) = try log("1\n2\n3\n", in: dir)
            let first = follower(path, position: position)
            try await first.connect()
            #expect(try await take(2, from: first) == ["1", "2"])
            await first.disconnect()
            try TestSupport.append("4\n", to: path)
            let second = follower(path, position: position)
            try await second.connect()
            #expect(try await take(2, from: second) == ["3", "4"])
            #expect(await second.offset == 8)
            await second.disconnect()
            // Rotated while stopped, read to its end already: nothing of it again, the new file from its start.
            try FileManager.default.moveItem(atPath: path, toPath: path + ".old")
            try TestSupport.write("fresh\n", to: path)
            let third = follower(path, position: position)
            try await third.connect()
            #expect(try await take(1, from: third) == ["fresh"])
            await third.disconnect()
        }
    }

    @Test(arguments: ["app.log.1", "app.log-20250101", "app.1.log"])
    func aFileRotatedWhileStoppedIsFinishedBeforeTheNewOne(rotatedName: String) async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let (path, position) = try log("1\n2\n", in: dir)
            let first = follower(path, position: position)
            try await first.connect()
            #expect(try await take(2, from: first) == ["1", "2"])
            await first.disconnect()
            try TestSupport.append("3\n4-unterminated", to: path)  // written while stopped
            try FileManager.default.moveItem(atPath: path, toPath: dir + "/" + rotatedName)
            try TestSupport.write("5\n", to: path)
            let second = follower(path, position: position)
            try await second.connect()
            #expect(try await take(3, from: second) == ["3", "4-unterminated", "5"])
            try TestSupport.append("6\n", to: path)
            #expect(try await take(1, from: second) == ["6"])
            await second.disconnect()
        }
    }

    @Test func aFileRotatedAwayWhileStoppedIsReportedLost() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let (path, position) = try log("1\n2\n", in: dir)
            let first = follower(path, position: position)
            try await first.connect()
            #expect(try await take(2, from: first) == ["1", "2"])
            await first.disconnect()
            try TestSupport.append("3\n", to: path)
            try FileManager.default.createDirectory(atPath: dir + "/archive", withIntermediateDirectories: false)
            try FileManager.default.moveItem(atPath: path, toPath: dir + "/archive/app.log")
            try TestSupport.write("new\n", to: path)
            let second = follower(path, position: position)
            try await second.connect()
            let lost = try await TestSupport.guarded { try await second.collect() }
            #expect(lost.refusal?.type == .notFound)
            #expect(lost.refusal?.details["reason"] == .string("rotated_file_lost"))
            #expect(lost.refusal?.details["offset"] == .integer(4))
            #expect(lost.refusal?.message.contains("was not read") == true)
            #expect(try await take(1, from: second) == ["new"])
            await second.disconnect()
        }
    }

    /// The same inode with other first bytes (rewritten in place, or a
    /// reused inode) is another file: not resumed at the old offset.
    @Test func aFileRewrittenInPlaceIsNotResumedMidway() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let (path, position) = try log("1\n2\n", in: dir)
            let first = follower(path, position: position)
            try await first.connect()
            #expect(try await take(2, from: first) == ["1", "2"])
            await first.disconnect()
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data("abc\ndef\n".utf8))
            try handle.close()
            let second = follower(path, position: position)
            try await second.connect()
            let lost = try await TestSupport.guarded { try await second.collect() }
            #expect(lost.refusal?.details["reason"] == .string("rotated_file_lost"))
            #expect(try await take(2, from: second) == ["abc", "def"])
            await second.disconnect()
        }
    }

    @Test func aRefusedLineIsAnItemAndFollowingGoesOn() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write(Array("one\n".utf8) + [0xFF, 0x0A] + Array("two\n".utf8), to: path)
            // Text: JSON formats leave the UTF-8 check to the JSON reader.
            let source = follower(path, format: .text)
            try await source.connect()
            #expect(try await take(1, from: source) == ["one"])
            let refused = try await TestSupport.guarded { try await source.collect() }
            #expect(refused.refusal?.details["reason"] == .string("not_utf8"))
            #expect(refused.refusal?.details["line"] == .integer(2))
            #expect(refused.payload == [0xFF])
            #expect(refused.checkpoint != nil)  // the position moves past it
            #expect(try await take(1, from: source) == ["two"])
            await source.disconnect()
        }
    }

    /// In a pipeline the position follows acknowledgements, not reads: a
    /// crash reads again what storage had not confirmed, never skips it.
    @Test func withCommittedCheckpointsThePositionIsWhatWasCommitted() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let (path, position) = try log("1\n22\n3\n4\n", in: dir)
            let first = follower(path, position: position)
            await first.useCommittedCheckpoints()
            try await first.connect()
            var items: [CollectedData] = []
            for _ in 0..<3 { items.append(try await TestSupport.guarded { try await first.collect() }) }
            // Read to the end and caught up: a source saving as it reads would have saved by now.
            #expect(!FileManager.default.fileExists(atPath: position))
            let inode = try #require(items[0].metadata["inode"]?.intValue)
            // Key: device, inode and the line's offset; checkpoint: the offset after it.
            for (item, offset) in zip(items, [0, 2, 5]) {
                #expect(item.key?.hasSuffix(":\(inode):\(offset)") == true, "\(item.key ?? "no key")")
            }
            #expect(items[1].checkpoint?["offset"] == 5)
            await first.commit(try #require(items[1].checkpoint), force: false)
            #expect(FileManager.default.fileExists(atPath: position), "the first commit is saved")
            await first.disconnect()
            let second = follower(path, position: position)
            try await second.connect()
            #expect(try await take(2, from: second) == ["3", "4"], "line 3 was read, not committed: read again")
            await second.disconnect()
        }
    }

    @Test func reconnectingTheSameSourceResumesWithoutAPositionFile() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write("1\n2\n", to: path)
            let source = follower(path)
            try await source.connect()
            #expect(try await take(1, from: source) == ["1"])
            await source.disconnect()
            try TestSupport.append("3\n", to: path)
            try await source.connect()
            #expect(try await take(2, from: source) == ["2", "3"])
            await source.disconnect()
        }
    }

    @Test func startAtEndSkipsWhatIsThere() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write("old\n", to: path)
            let source = follower(path, startAt: .end)
            try await source.connect()
            let waiting = Task { try await take(1, from: source) }
            try await Task.sleep(for: .milliseconds(100))
            try TestSupport.append("new\n", to: path)
            #expect(try await waiting.value == ["new"])
            await source.disconnect()
        }
    }

    @Test func aDirectoryIsAnErrorNotAWait() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let source = follower(dir)
            let error = await #expect(throws: ErrorInfo.self) { try await source.connect() }
            #expect(error?.type == .configuration)
            let again = await #expect(throws: ErrorInfo.self) { try await TestSupport.guarded { try await source.collect() } }
            #expect(again?.type == .configuration)
            await source.disconnect()
        }
    }

    @Test func theStreamEndsWhenItsConsumerIsCancelled() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write("only\n", to: path)
            let source = follower(path)
            try await source.connect()
            let (firstLine, seen) = AsyncStream.makeStream(of: Void.self)
            let consumer = Task {
                var lines: [String] = []
                do {
                    for try await item in source.stream() {
                        lines.append(TestSupport.text(item))
                        seen.yield()
                    }
                } catch {}
                return lines
            }
            // Cancelled while it waits for a line that never comes.
            for await _ in firstLine { break }
            consumer.cancel()
            let lines = try await TestSupport.guarded { await consumer.value }
            #expect(lines == ["only"])
            await source.disconnect()
        }
    }
}
