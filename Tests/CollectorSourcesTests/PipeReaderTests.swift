@testable import CollectorSources
import Collectors
import Foundation
import Testing

/// Reads of pipes wait in the shared poll loop: they end as soon as bytes
/// arrive or the task is cancelled, and a waiting read holds no thread.
@Suite struct PipeReaderTests {
    static func threadCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
    }

    @Test func aReadReturnsTheBytesThatArriveAndEmptyAtTheEnd() async throws {
        let pipe = Pipe()
        let reader = PipeReader(fd: pipe.fileHandleForReading.fileDescriptor)
        let first = Task { try await reader.read() }
        pipe.fileHandleForWriting.write(Data("hello".utf8))
        #expect(try await TestSupport.guarded { try await first.value } == Array("hello".utf8))
        try pipe.fileHandleForWriting.close()
        #expect(try await TestSupport.guarded { try await reader.read() } == [])
    }

    @Test func cancellingEndsAReadThatWaits() async throws {
        let pipe = Pipe()
        let reader = PipeReader(fd: pipe.fileHandleForReading.fileDescriptor)
        let waiting = Task { try await reader.read() }
        waiting.cancel()
        let ended = try await TestSupport.guarded { await waiting.result }
        #expect(throws: CancellationError.self) { try ended.get() }
        // Nothing was consumed: the next read gets what is written now.
        pipe.fileHandleForWriting.write(Data("after".utf8))
        #expect(try await TestSupport.guarded { try await reader.read() } == Array("after".utf8))
    }

    @Test func aNonBlockingPipeIsReadFirstAndWaitedOnWhenEmpty() async throws {
        let pipe = Pipe()
        let fd = pipe.fileHandleForReading.fileDescriptor
        PipeReader.makeNonBlocking(fd)
        let reader = PipeReader(fd: fd, chunkSize: 4)
        pipe.fileHandleForWriting.write(Data("abcdef".utf8))
        #expect(try await reader.read() == Array("abcd".utf8))
        #expect(try await reader.read() == Array("ef".utf8))
        let waiting = Task { try await reader.read() }
        pipe.fileHandleForWriting.write(Data("g".utf8))
        #expect(try await TestSupport.guarded { try await waiting.value } == Array("g".utf8))
    }

    /// A hundred reads waiting at once: each would hold a thread if reads
    /// waited on threads of their own; in the poll loop they hold none.
    /// (Not more pipes: a process that other tests start meanwhile copies
    /// the list of open descriptors.)
    @Test func waitingReadsHoldNoThreadEach() async throws {
        let count = 100
        let pipes = (0..<count).map { _ in Pipe() }
        // Not inherited by the programs other tests start meanwhile (a
        // PostgreSQL server refuses to start with hundreds of descriptors taken).
        for pipe in pipes {
            for fd in [pipe.fileHandleForReading.fileDescriptor, pipe.fileHandleForWriting.fileDescriptor] {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        let before = Self.threadCount()
        let started = Locked(0)
        let readers = pipes.map { pipe in
            Task {
                let reader = PipeReader(fd: pipe.fileHandleForReading.fileDescriptor)
                started.withLock { $0 += 1 }
                return try await reader.read()
            }
        }
        try await TestSupport.guarded {
            while started.withLock({ $0 }) < count { await Task.yield() }
        }
        // One read served proves the loop runs; the others still wait.
        pipes[0].fileHandleForWriting.write(Data("0".utf8))
        #expect(try await TestSupport.guarded { try await readers[0].value } == Array("0".utf8))
        let during = Self.threadCount()
        // Other tests of this process start threads too (dozens on a loaded machine): fewer than one per read.
        #expect(during - before < count, "threads: \(before) before, \(during) with \(count) reads waiting")
        for (index, pipe) in pipes.enumerated().dropFirst() { pipe.fileHandleForWriting.write(Data("\(index)".utf8)) }
        for (index, reader) in readers.enumerated().dropFirst() {
            #expect(try await TestSupport.guarded { try await reader.value } == Array("\(index)".utf8))
        }
    }
}
