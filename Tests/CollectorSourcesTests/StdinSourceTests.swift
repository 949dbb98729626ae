import CollectorSources
import Collectors
import Foundation
import Testing

@Suite struct StdinSourceTests {
    @Test func linesFromAPipeUntilItsEnd() async throws {
        let pipe = Pipe()
        let source = StdinSource(id: "in", fileDescriptor: pipe.fileHandleForReading.fileDescriptor)
        try await source.connect()
        let reader = Task {
            try await TestSupport.guarded {
                var lines: [String] = []
                for try await item in source.stream() { lines.append(TestSupport.text(item)) }
                return lines
            }
        }
        pipe.fileHandleForWriting.write(Data("{\"a\":1}\n{\"a\"".utf8))
        try await Task.sleep(for: .milliseconds(50))
        pipe.fileHandleForWriting.write(Data(":2}\r\nlast".utf8))
        try pipe.fileHandleForWriting.close()
        #expect(try await reader.value == ["{\"a\":1}", "{\"a\":2}", "last"])
        let end = await #expect(throws: ErrorInfo.self) { try await source.collect() }
        #expect(end?.details["end_of_data"] == .bool(true))
        await source.disconnect()
    }

    @Test func invalidUTF8IsARefusedItemAndReadingGoesOn() async throws {
        let pipe = Pipe()
        let source = StdinSource(
            id: "in", fileDescriptor: pipe.fileHandleForReading.fileDescriptor, options: .init(format: .text))
        pipe.fileHandleForWriting.write(Data([0x61, 0x0A, 0xC0, 0xAF, 0x0A, 0x62, 0x0A]))
        try pipe.fileHandleForWriting.close()
        #expect(TestSupport.text(try await source.collect()) == "a")
        let refused = try await source.collect()
        #expect(refused.refusal?.type == .validation)
        #expect(refused.refusal?.details["line"] == .integer(2))
        #expect(refused.payload == [0xC0, 0xAF])
        let next = try await source.collect()
        #expect(TestSupport.text(next) == "b")
        #expect(next.metadata["line"] == .integer(3))
        #expect(next.method == .stdin)
    }

    @Test func jsonLinesThatAreNotUTF8GoOnToTheJSONReader() async throws {
        // The reader refuses them with where they fail, as a record of their own.
        let pipe = Pipe()
        let source = StdinSource(id: "in", fileDescriptor: pipe.fileHandleForReading.fileDescriptor)
        pipe.fileHandleForWriting.write(Data([0x31, 0x0A, 0x22, 0xC0, 0xAF, 0x22, 0x0A]))
        try pipe.fileHandleForWriting.close()
        #expect(TestSupport.text(try await source.collect()) == "1")
        let bad = try await source.collect()
        #expect(bad.payload == [0x22, 0xC0, 0xAF, 0x22])
        #expect(bad.metadata["line"] == .integer(2))
    }

    @Test func aWaitingReadEndsWhenCancelled() async throws {
        let pipe = Pipe()
        let source = StdinSource(id: "in", fileDescriptor: pipe.fileHandleForReading.fileDescriptor)
        let reader = Task { try await source.collect() }
        try await Task.sleep(for: .milliseconds(100))
        reader.cancel()
        let outcome = try await TestSupport.guarded { await reader.result }
        #expect(throws: CancellationError.self) { try outcome.get() }
        try pipe.fileHandleForWriting.close()
    }
}
