@testable import CollectorSources
import Collectors
import Foundation
import Testing

/// Reads of pipes wait in the shared poll loop: they end as soon as bytes
/// arrive or the task is cancelled, and a waiting read holds no thread.
@Suite struct PipeReaderTests {
    /// What the process's threads are blocked in, from `/proc/self/task/*/syscall`:
    /// the system call's number and its first argument, for each thread in one.
    static func blockedCalls() -> [(call: Int, firstArgument: Int)] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            guard let text = try? String(contentsOfFile: "/proc/self/task/\(task)/syscall", encoding: .utf8) else { return nil }
            let fields = text.split(separator: " ")
            guard fields.count > 1, let call = Int(fields[0]), let argument = Int(fields[1].dropFirst(2), radix: 16) else { return nil }
            return (call, argument)
        }
    }

    #if arch(x86_64)
        static let readCalls: Set<Int> = [0, 17, 19]  // read, pread64, readv
        static let pollCalls: Set<Int> = [7, 23, 232, 270, 271, 281]  // poll, select, epoll_wait, pselect6, ppoll, epoll_pwait
    #else
        static let readCalls: Set<Int> = [63, 65, 67]  // read, readv, pread64
        static let pollCalls: Set<Int> = [22, 72, 73]  // epoll_pwait, pselect6, ppoll
    #endif

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

    /// A hundred reads waiting at once: a read that waited on a thread of its
    /// own would show as a thread blocked in `read` on its pipe, or one more
    /// thread blocked in `poll`; in the shared poll loop there is neither.
    /// (Threads are not counted: other tests of this process start dozens
    /// meanwhile on a machine with many cores. Not more pipes: a process
    /// that other tests start meanwhile copies the list of open descriptors.)
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
        let readEnds = Set(pipes.map { Int($0.fileHandleForReading.fileDescriptor) })
        let pollingBefore = Self.blockedCalls().filter { Self.pollCalls.contains($0.call) }.count
        let readers = pipes.map { pipe in
            Task { try await PipeReader(fd: pipe.fileHandleForReading.fileDescriptor).read() }
        }
        // One read served proves the loop runs; the others are waiting once
        // they have had the time to start (a read with a thread of its own
        // would be blocked in it by then).
        pipes[0].fileHandleForWriting.write(Data("0".utf8))
        #expect(try await TestSupport.guarded { try await readers[0].value } == Array("0".utf8))
        try await Task.sleep(for: .milliseconds(300))
        let blocked = Self.blockedCalls()
        let reading = blocked.filter { Self.readCalls.contains($0.call) && readEnds.contains($0.firstArgument) }
        #expect(reading.isEmpty, "\(reading.count) threads are blocked reading the pipes")
        let polling = blocked.filter { Self.pollCalls.contains($0.call) }.count
        #expect(polling - pollingBefore < count / 2, "threads waiting in poll: \(pollingBefore) before, \(polling) with \(count) reads waiting")
        for (index, pipe) in pipes.enumerated().dropFirst() { pipe.fileHandleForWriting.write(Data("\(index)".utf8)) }
        for (index, reader) in readers.enumerated().dropFirst() {
            #expect(try await TestSupport.guarded { try await reader.value } == Array("\(index)".utf8))
        }
    }
}
