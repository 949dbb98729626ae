import CollectorGzip
import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

/// gzip files read by the file sources: found by their magic bytes, inflated as read.
@Suite struct GzipFileTests {
    /// `bytes` compressed by the system's gzip program.
    static func gzip(_ text: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-c", "-n"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Written from another thread: gzip's output pipe must be drained meanwhile.
        let writer = Thread {
            input.fileHandleForWriting.write(Data(text.utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        // Reaped with waitpid: `waitUntilExit()` needs a dispatch thread that
        // a pool busy with the other tests may not give.
        // (Its status is not needed: a failed gzip writes nothing a test would take.)
        var status: Int32 = 0
        while waitpid(process.processIdentifier, &status, 0) < 0, errno == EINTR {}
        return [UInt8](data)
    }

    private func items(_ source: FileSource) async throws -> [CollectedData] {
        try await TestSupport.guarded {
            var items: [CollectedData] = []
            for try await item in source.stream() { items.append(item) }
            return items
        }
    }

    @Test func aGzipFileIsReadByLinesWhateverItsName() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let text = (1...50_000).map { "{\"n\":\($0)}\n" }.joined()
            try TestSupport.write(try Self.gzip(text), to: dir + "/data.jsonl")  // no .gz suffix
            let source = FileSource(id: "f", path: dir + "/data.jsonl", decompression: .zlib)
            try await source.connect()
            let read = try await items(source)
            #expect(read.allSatisfy { $0.refusal == nil })
            #expect(read.map(TestSupport.text).joined() == text)
        }
    }

    @Test func aGzipFileIsReadWholeAndMembersFollowEachOther() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write(try Self.gzip("{\"a\":") + Self.gzip("[1,2]}"), to: dir + "/doc.json.gz")
            let source = FileSource(id: "f", path: dir + "/doc.json.gz", options: .init(mode: .whole, format: .json), decompression: .zlib)
            try await source.connect()
            let item = try await source.collect()
            #expect(item.refusal == nil)
            #expect(TestSupport.text(item) == "{\"a\":[1,2]}")
        }
    }

    @Test func aCorruptStreamHandsOnTheLinesBeforeItThenAFailureNamingFileAndOffset() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let text = (1...20_000).map { "line \($0)\n" }.joined()
            var bytes = try Self.gzip(text)
            let cut = bytes.count / 2
            bytes[cut] ^= 0xff
            bytes[cut + 1] ^= 0x5a
            let path = dir + "/broken.log.gz"
            try TestSupport.write(bytes, to: path)
            try TestSupport.write("after\n", to: dir + "/c.log")
            let source = FileSource(id: "f", path: dir + "/*", options: .init(format: .text, validateUTF8: false), decompression: .zlib)
            try await source.connect()
            let read = try await items(source)
            let failure = try #require(read.firstIndex { $0.refusal != nil })
            #expect(failure > 100, "the lines before the fault are handed on")
            #expect(read[0..<failure].prefix(100).map(TestSupport.text) == (1...100).map { "line \($0)" })
            let error = try #require(read[failure].refusal)
            #expect(error.details["reason"] == .string("corrupt_gzip"))
            #expect(error.details["path"] == .string(path))
            #expect(error.message.contains(path))
            let offset = try #require(error.details["offset"]?.intValue)
            #expect(offset > 0 && offset <= bytes.count)
            // The next file is read after it.
            #expect(read.last.map(TestSupport.text) == "after")
            #expect(read.filter { $0.refusal != nil }.count == 1)
        }
    }

    @Test func aTruncatedStreamIsReportedNotTakenForItsEnd() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let bytes = try Self.gzip((1...1000).map { "row \($0)\n" }.joined())
            let path = dir + "/cut.gz"
            try TestSupport.write(Array(bytes.prefix(bytes.count - 12)), to: path)
            for mode in [FileSource.Mode.lines, .whole] {
                let source = FileSource(id: "f", path: path, options: .init(mode: mode, format: .text), decompression: .zlib)
                try await source.connect()
                let read = try await items(source)
                let last = try #require(read.last)
                #expect(last.refusal?.details["reason"] == .string("corrupt_gzip"), "\(mode)")
                #expect(last.refusal?.message.contains("truncated") == true, "\(mode)")
                if mode == .lines { #expect(read.first.map(TestSupport.text) == "row 1") }
            }
        }
    }

    @Test func withoutADecompressionAGzipFileIsAnErrorNamingItNotGarbage() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            try TestSupport.write(try Self.gzip("{\"n\":1}\n"), to: dir + "/data.jsonl")
            for mode in [FileSource.Mode.lines, .whole] {
                let source = FileSource(id: "f", path: dir + "/data.jsonl", options: .init(mode: mode, format: .jsonLines))
                try await source.connect()
                do {
                    let item = try await source.collect()
                    Issue.record("\(mode): a gzip file read without decompression gave an item: \(item)")
                } catch let error as ErrorInfo {
                    #expect(error.type == .configuration, "\(mode)")
                    #expect(error.message.contains("data.jsonl' is gzip-compressed"), "\(mode): \(error.message)")
                    #expect(error.details["reason"] == .string("gzip_unsupported"))
                }
                await source.disconnect()
            }
        }
    }
}
