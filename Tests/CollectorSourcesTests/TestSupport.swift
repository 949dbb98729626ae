import Collectors
import Foundation

/// Test helpers: temporary directories, fixtures, and a hang guard.
enum TestSupport {
    /// `Tests/Fixtures`, found from this file's path.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// A fresh directory, removed by `body`'s end.
    static func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let path = NSTemporaryDirectory() + "collector-sources-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Appends without replacing the file (same inode), as a logging program does.
    static func append(_ text: String, to path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            try write(text, to: path)
            return
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// Fails instead of hanging when a source never delivers (generous: not a timing assertion).
    static func guarded<T: Sendable>(
        _ seconds: Int64 = 30, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        // Our own guard rather than the core's `withTimeout`, whose signature is still moving.
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw HangGuardExpired(seconds: seconds)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    struct HangGuardExpired: Error, CustomStringConvertible {
        var seconds: Int64
        var description: String { "nothing happened in \(seconds) s" }
    }

    static func text(_ data: CollectedData) -> String { String(decoding: data.payload, as: UTF8.self) }
}

extension TestSupport {
    /// A loopback port that refuses connections: bound but not listening, so
    /// no other test can take it while this value lives.
    final class ClosedPort: Sendable {
        let fd: Int32
        let port: Int

        init() throws {
            #if canImport(Glibc)
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
                let fd = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
                }
            }
            guard fd >= 0, bound else { throw Fixture.FixtureError(message: "could not reserve a port") }
            self.fd = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(fd) }
    }
}
