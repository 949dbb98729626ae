import CollectorSources
import Collectors
import Foundation

/// A Python fixture server from `Tests/Fixtures` on a loopback port (it
/// prints the port first), run through the command source; `restart()`
/// stops it and starts it again on the same port.
actor FixtureServer {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    private let script: String
    /// The arguments for a start on `port` (0: any free port).
    private let arguments: @Sendable (_ port: Int, _ generation: Int) -> [String]
    private var process: CommandSource?
    private(set) var port = 0
    private(set) var generation = 0

    init(_ script: String, arguments: @escaping @Sendable (_ port: Int, _ generation: Int) -> [String] = { _, _ in [] }) {
        self.script = script
        self.arguments = arguments
    }

    func start() async throws {
        generation += 1
        let process = CommandSource(
            id: "fixture", executable: "python3",
            arguments: ["-u", Self.fixtures.appendingPathComponent(script).path] + arguments(port, generation),
            options: .init(format: .text, terminationGracePeriod: .milliseconds(300)))
        try await process.connect()
        let first = try await withThrowingTaskGroup(of: CollectedData.self) { group in
            group.addTask { try await process.collect() }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                throw FixtureError("\(self.script) printed no port in 60 s")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        guard let port = Int(String(decoding: first.payload, as: UTF8.self).trimmingCharacters(in: .whitespaces)) else {
            await process.disconnect()
            throw FixtureError("\(script) did not print a port")
        }
        self.port = port
        self.process = process
    }

    func stop() async {
        await process?.disconnect()
        process = nil
    }

    /// Stops the server (its connections drop) and starts it again on the same port.
    func restart() async throws {
        await stop()
        try await start()
    }

    nonisolated func url(_ scheme: String, _ port: Int, _ path: String) -> URL {
        URL(string: "\(scheme)://127.0.0.1:\(port)\(path)")!
    }

    /// Starts a server, runs `body`, stops the server whatever happens.
    static func with<T>(
        _ script: String, arguments: @escaping @Sendable (_ port: Int, _ generation: Int) -> [String] = { _, _ in [] },
        _ body: (FixtureServer) async throws -> T
    ) async throws -> T {
        let server = FixtureServer(script, arguments: arguments)
        try await server.start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory, removed at `body`'s end.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "collector-conformance-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// `count` JSON lines `{"n": 1}` …
func jsonLines(_ count: Int, from first: Int = 1) -> String {
    (first..<(first + count)).map { "{\"n\":\($0)}\n" }.joined()
}
