import CollectorSources
import Collectors
import Foundation
import Testing

/// A file source's reads block on a thread of the source's own, never on
/// one of Swift's cooperative pool (one thread per core): sources stuck in
/// a read (a FIFO with a silent writer here; a hung network file system in
/// life) leave the rest of the engine running.
@Suite(.timeLimit(.minutes(2))) struct FileReadThreadTests {
    @Test func readsThatBlockLeaveTheCooperativePoolFree() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            // More blocked sources than any machine's pool has threads.
            let count = ProcessInfo.processInfo.activeProcessorCount + 4
            var writers: [Int32] = []
            var sources: [FileSource] = []
            for index in 0..<count {
                let path = "\(dir)/fifo\(index)"
                #expect(mkfifo(path, 0o600) == 0)
                // Held open for writing (O_RDWR does not wait for a reader): the source's read waits for bytes.
                let writer = open(path, O_RDWR)
                #expect(writer >= 0)
                writers.append(writer)
                sources.append(FileSource(id: "fifo\(index)", path: path, options: .init(mode: .lines, format: .text)))
            }
            defer { for writer in writers { close(writer) } }
            let reads = sources.map { source in Task { try await source.collect() } }
            // Work on the pool goes on while every source waits in read(2).
            let sum = try await TestSupport.guarded {
                await withTaskGroup(of: Int.self) { group in
                    for n in 1...100 { group.addTask { await Task.yield(); return n } }
                    return await group.reduce(0, +)
                }
            }
            #expect(sum == 5050)
            for (index, writer) in writers.enumerated() {
                let line = Array("line \(index)\n".utf8)
                #expect(write(writer, line, line.count) == line.count)
            }
            for (index, read) in reads.enumerated() {
                let item = try await TestSupport.guarded { try await read.value }
                #expect(TestSupport.text(item) == "line \(index)")
            }
            for source in sources { await source.disconnect() }
        }
    }
}
