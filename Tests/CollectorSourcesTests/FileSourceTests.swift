import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite struct FileSourceTests {
    @Test func readsTheWholeFileOnEveryCollect() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/config.json"
            try TestSupport.write("{\"a\":1}", to: path)
            let source = FileSource(id: "f", path: path, options: .init(mode: .whole, format: .json))
            try await source.connect()
            let first = try await source.collect()
            #expect(TestSupport.text(first) == "{\"a\":1}")
            #expect(first.format == .json)
            #expect(first.metadata["size"] == .integer(7))
            try TestSupport.write("{\"a\":2}", to: path)
            #expect(TestSupport.text(try await source.collect()) == "{\"a\":2}")
            var streamed = 0
            for try await _ in source.stream() { streamed += 1 }
            #expect(streamed == 1)
            await source.disconnect()
        }
    }

    @Test func readsLinesWithNumbersAndOffsets() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/data.jsonl"
            try TestSupport.write("{\"n\":1}\r\n{\"n\":2}\n\n{\"n\":3}", to: path)
            let source = FileSource(id: "f", path: path, options: .init(linesPerItem: 1))
            try await source.connect()
            var lines: [String] = []
            var offsets: [DataValue?] = []
            for try await item in source.stream() {
                lines.append(TestSupport.text(item))
                offsets.append(item.metadata["offset"])
            }
            #expect(lines == ["{\"n\":1}", "{\"n\":2}", "", "{\"n\":3}"])
            #expect(offsets == [.integer(0), .integer(9), .integer(17), .integer(18)])
            let end = await #expect(throws: ErrorInfo.self) { try await source.collect() }
            #expect(end?.details["end_of_data"] == .bool(true))
            await source.disconnect()
        }
    }

    @Test func aMissingFileIsNotFound() async throws {
        let source = FileSource(id: "f", path: "/nonexistent/collector/data.jsonl")
        let error = await #expect(throws: ErrorInfo.self) { try await source.connect() }
        #expect(error?.type == .notFound)
        #expect(error?.isRetryable == false)
        #expect(error?.details["path"] == .string("/nonexistent/collector/data.jsonl"))
        await source.disconnect()
    }

    @Test func aDirectoryIsAConfigurationError() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            for mode in [FileSource.Mode.whole, .lines] {
                let source = FileSource(id: "f", path: dir, options: .init(mode: mode))
                let error = await #expect(throws: ErrorInfo.self) { try await source.connect() }
                #expect(error?.type == .configuration)
            }
        }
    }

    /// Permissions do not stop root, so this runs only for other users.
    @Test(.enabled(if: getuid() != 0)) func anUnreadableFileIsAnAuthenticationError() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/secret.jsonl"
            try TestSupport.write("x\n", to: path)
            chmod(path, 0)
            let source = FileSource(id: "f", path: path)
            let error = await #expect(throws: ErrorInfo.self) { try await source.connect() }
            #expect(error?.type == .authentication)
        }
    }

    @Test func invalidUTF8AndOversizeLinesAreRefusedItemsAndReadingGoesOn() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/bad.txt"
            var bytes = Array("good 1\n".utf8)
            bytes += [0xFF, 0xFE, 0x00, 0x80, 0x0A]  // binary where text was expected
            bytes += Array((String(repeating: "y", count: 100) + "\ngood 2\n").utf8)
            try TestSupport.write(bytes, to: path)
            let source = FileSource(id: "f", path: path, options: .init(format: .text, maxLineLength: 50))
            try await source.connect()
            #expect(TestSupport.text(try await source.collect()) == "good 1")
            let invalid = try await source.collect()
            #expect(invalid.refusal?.type == .validation)
            #expect(invalid.refusal?.details["line"] == .integer(2))
            #expect(invalid.refusal?.details["reason"] == .string("not_utf8"))
            #expect(invalid.refusal?.details["path"] == .string(path))
            #expect(invalid.payload == [0xFF, 0xFE, 0x00, 0x80])
            let oversize = try await source.collect()
            #expect(oversize.refusal?.type == .validation)
            #expect(oversize.refusal?.details["length"] == .integer(101))
            #expect(oversize.refusal?.details["reason"] == .string("too_long"))
            #expect(oversize.payload == Array(String(repeating: "y", count: 50).utf8))
            let last = try await source.collect()
            #expect(TestSupport.text(last) == "good 2")
            #expect(last.metadata["line"] == .integer(4))
            await source.disconnect()
        }
    }

    @Test func binaryIsAcceptedWhenNotValidated() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/blob.bin"
            let bytes: [UInt8] = [0, 1, 2, 0xFF, 0x0A, 0xC3]
            try TestSupport.write(bytes, to: path)
            let whole = FileSource(id: "w", path: path, options: .init(mode: .whole, format: .binary, validateUTF8: false))
            #expect(try await whole.collect().payload == bytes)
            // Not a failure of the source: an item with a refusal, its bytes kept for the dead letter.
            let checked = FileSource(id: "c", path: path, options: .init(mode: .whole, format: .text))
            let refused = try await checked.collect()
            #expect(refused.refusal?.type == .validation)
            #expect(refused.refusal?.details["reason"] == .string("not_utf8"))
            #expect(refused.refusal?.details["path"] == .string(path))
            #expect(refused.payload == bytes)
            // The next collection reads the file anew: fixed, it is data.
            try TestSupport.write("fine", to: path)
            let fixed = try await checked.collect()
            #expect(fixed.refusal == nil)
            #expect(TestSupport.text(fixed) == "fine")
        }
    }

    @Test func aFileOverTheSizeLimitIsARefusedItemHoldingItsStart() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/big.txt"
            try TestSupport.write(String(repeating: "z", count: 100_000), to: path)
            let source = FileSource(id: "f", path: path, options: .init(mode: .whole, maxFileSize: 4096, readChunkSize: 4096))
            let item = try await source.collect()
            #expect(item.refusal?.type == .validation)
            #expect(item.refusal?.details["reason"] == .string("too_large"))
            #expect(item.refusal?.details["max_file_size"] == .integer(4096))
            // Reading stopped past the limit; the start is kept.
            #expect(item.payload == Array(repeating: UInt8(ascii: "z"), count: 8192))
        }
    }

    @Test func theCanonicalFileReadsEveryLine() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/readings.jsonl"
            let generator = GeneratorSource(id: "g", options: .init(count: 5000, recordsPerItem: 5000))
            let batch = try await generator.collect()
            try TestSupport.write(batch.payload + [0x0A], to: path)
            let source = FileSource(id: "f", path: path, options: .init(readChunkSize: 4096))
            try await source.connect()
            var lines = 0
            var bytes = 0
            var items = 0
            var nextLine: Int64 = 1
            for try await item in source.stream() {
                // Runs of whole lines, each line ended by "\n", numbered on from the last run.
                #expect(item.payload.last == 0x0A)
                #expect(item.metadata["line"] == .integer(nextLine))
                let count = item.payload.filter { $0 == 0x0A }.count
                #expect(item.metadata["lines"] == .integer(Int64(count)))
                nextLine += Int64(count)
                lines += count
                bytes += item.payload.count
                items += 1
            }
            #expect(lines == 5000)
            #expect(bytes == batch.payload.count + 1)
            #expect(items >= 5000 / 256 && items < 5000, "lines go in runs, not one item each")
        }
    }
}
