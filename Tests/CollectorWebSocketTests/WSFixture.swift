import CollectorSources
import Foundation

/// A Python fixture server from `Tests/Fixtures` on an ephemeral loopback
/// port (it prints the port first), run through the command source.
struct WSFixture: Sendable {
    let process: CommandSource
    let port: Int

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    func url(_ path: String, secure: Bool = false) -> URL {
        URL(string: "\(secure ? "wss" : "ws")://127.0.0.1:\(port)\(path)")!
    }

    static func with<T>(
        _ script: String, arguments: [String] = [], _ body: (WSFixture) async throws -> T
    ) async throws -> T {
        let process = CommandSource(
            id: "fixture", executable: "python3",
            arguments: ["-u", fixtures.appendingPathComponent(script).path] + arguments,
            options: .init(format: .text, terminationGracePeriod: .milliseconds(300)))
        try await process.connect()
        let fixture: WSFixture
        do {
            let first = try await guarded(60) { try await process.collect() }
            guard let port = Int(String(decoding: first.payload, as: UTF8.self)) else {
                throw FixtureError(message: "the fixture did not print a port")
            }
            fixture = WSFixture(process: process, port: port)
        } catch {
            await process.disconnect()
            throw error
        }
        do {
            let result = try await body(fixture)
            await process.disconnect()
            return result
        } catch {
            await process.disconnect()
            throw error
        }
    }

    /// Starts a fixture server the caller stops (`stop()`), for a server that restarts.
    static func start(_ script: String, arguments: [String] = []) async throws -> WSFixture {
        let process = CommandSource(
            id: "fixture", executable: "python3",
            arguments: ["-u", fixtures.appendingPathComponent(script).path] + arguments,
            options: .init(format: .text, terminationGracePeriod: .milliseconds(300)))
        try await process.connect()
        do {
            let first = try await guarded(60) { try await process.collect() }
            guard let port = Int(String(decoding: first.payload, as: UTF8.self)) else {
                throw FixtureError(message: "the fixture did not print a port")
            }
            return WSFixture(process: process, port: port)
        } catch {
            await process.disconnect()
            throw error
        }
    }

    /// Stops the server (its connections drop without a close frame).
    func stop() async { await process.disconnect() }

    /// A throwaway self-signed certificate for 127.0.0.1 in a temporary directory.
    static func withCertificate<T>(_ body: (_ cert: String, _ key: String) async throws -> T) async throws -> T {
        let dir = NSTemporaryDirectory() + "collector-ws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let openssl = CommandSource(
            id: "openssl", executable: "openssl",
            arguments: [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
            ])
        try await openssl.connect()
        for try await _ in openssl.stream() {}
        await openssl.disconnect()
        return try await body(dir + "/cert.pem", dir + "/key.pem")
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}

/// Fails instead of hanging (generous: not a timing assertion).
func guarded<T: Sendable>(_ seconds: Int64 = 30, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw WSFixture.FixtureError(message: "nothing happened in \(seconds) s")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// A loopback port that refuses connections: bound but not listening, so no
/// other test's server can take it while this value lives.
final class ReservedPort: Sendable {
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
        guard fd >= 0, bound else { throw WSFixture.FixtureError(message: "could not reserve a port") }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
