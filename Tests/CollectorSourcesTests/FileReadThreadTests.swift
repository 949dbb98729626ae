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

    /// A disconnect while a read is under way closes the file after that
    /// read, and the reader reads no further from a descriptor whose number
    /// may already name another file: it ends with a `.cancelled` error.
    @Test func aDisconnectDuringAReadEndsTheReaderCleanly() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = "\(dir)/fifo"
            #expect(mkfifo(path, 0o600) == 0)
            let writer = open(path, O_RDWR)
            #expect(writer >= 0)
            defer { close(writer) }
            // Looks at the FIFO's buffer without reading it.
            let observer = open(path, O_RDONLY | O_NONBLOCK)
            #expect(observer >= 0)
            defer { close(observer) }
            let source = FileSource(id: "fifo", path: path, options: .init(mode: .lines, format: .text))
            try await source.connect()
            let start = Array("a line with".utf8)
            #expect(write(writer, start, start.count) == start.count)
            let read = Task { try await source.collect() }
            // Its first read took those bytes: it is in (or about to start) the read for the rest.
            try await TestSupport.guarded {
                while true {
                    var pfd = pollfd(fd: observer, events: Int16(POLLIN), revents: 0)
                    if poll(&pfd, 1, 0) == 0 { return }
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            await source.disconnect()
            let rest = Array("out an end".utf8)
            #expect(write(writer, rest, rest.count) == rest.count)
            let outcome = try await TestSupport.guarded { await read.result }
            switch outcome {
            case .success(let item):
                Issue.record("a line from a disconnected source: \(TestSupport.text(item))")
            case .failure(let error):
                #expect((error as? ErrorInfo)?.type == .cancelled, "\(error)")
            }
        }
    }
}
