import CollectorSources
import Collectors
import Foundation
import Testing

@Suite struct GeneratorSourceTests {
    private func lines(_ fixture: String) throws -> [String] {
        let data = try String(contentsOf: TestSupport.fixtures.appendingPathComponent(fixture), encoding: .utf8)
        return data.split(separator: "\n").map(String.init)
    }

    @Test func sameRecordsAsTheWorkloadScriptForTheDefaultSeed() async throws {
        let expected = try lines("generator-seed-20251128-300.jsonl")
        let source = GeneratorSource(id: "gen", options: .init(count: expected.count))
        var got: [String] = []
        for try await item in source.stream() { got.append(TestSupport.text(item)) }
        #expect(got.count == expected.count)
        for (index, (a, b)) in zip(got, expected).enumerated() where a != b {
            Issue.record("record \(index): \(a) != \(b)")
            break
        }
    }

    @Test func sameRecordsAsTheWorkloadScriptForAnotherSeed() async throws {
        let expected = try lines("generator-seed-7-100.jsonl")
        let source = GeneratorSource(id: "gen", options: .init(seed: 7, count: 100, recordsPerItem: 30))
        var got: [String] = []
        var formats = Set<String>()
        for try await item in source.stream() {
            formats.insert(item.format.rawValue)
            got += TestSupport.text(item).split(separator: "\n").map(String.init)
        }
        #expect(got == expected)
        #expect(formats == ["jsonl"])
    }

    /// When the workload script is at hand (the repository's shared folder), a longer prefix too.
    @Test(.enabled(if: GeneratorSourceTests.script != nil))
    func sameRecordsAsTheScriptOverTwentyThousand() async throws {
        // The script's output, through the command source (which is tested on volume this way).
        let script = CommandSource(
            id: "py", executable: "python3", arguments: [GeneratorSourceTests.script!, "20000", "/dev/stdout"])
        try await script.connect()
        var expected: [[UInt8]] = []
        for try await line in script.stream() { expected.append(line.payload) }
        await script.disconnect()
        #expect(expected.count == 20000)
        let source = GeneratorSource(id: "gen", options: .init(count: 20000))
        var index = 0
        for try await item in source.stream() {
            if index < expected.count, item.payload != expected[index] {
                Issue.record("record \(index) differs: \(TestSupport.text(item))")
                break
            }
            index += 1
        }
        #expect(index == 20000)
    }

    static let script: String? = {
        // The canonical generator lives in the shared folder beside the checkout.
        let path = TestSupport.fixtures.appendingPathComponent("../../../shared/bench/gen_data.py").standardized.path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    @Test func collectEndsWithAnEndOfDataError() async throws {
        let source = GeneratorSource(id: "gen", options: .init(count: 2))
        let first = try await source.collect()
        _ = try await source.collect()
        #expect(first.format == .json)
        #expect(first.method == .generator)
        #expect(first.metadata["index"] == .integer(0))
        let error = await #expect(throws: ErrorInfo.self) { try await source.collect() }
        #expect(error?.details["end_of_data"] == .bool(true))
        #expect(error?.isRetryable == false)
        await source.reset()
        #expect(try await source.collect().payload == first.payload)
    }

    @Test func pacedGenerationStillProducesEveryRecord() async throws {
        let source = GeneratorSource(id: "gen", options: .init(count: 20, rate: 200))
        let count = try await TestSupport.guarded {
            var count = 0
            for try await _ in source.stream() { count += 1 }
            return count
        }
        #expect(count == 20)
        #expect(await source.produced == 20)
    }
}
