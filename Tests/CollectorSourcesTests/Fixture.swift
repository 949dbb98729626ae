import CollectorSources
import Foundation

/// A Python fixture server from `Tests/Fixtures`, started on an ephemeral
/// loopback port (it prints the port first) and stopped by `stop()`.
struct Fixture: Sendable {
    let process: CommandSource
    let port: Int

    func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    static func start(_ script: String, arguments: [String] = []) async throws -> Fixture {
        let path = TestSupport.fixtures.appendingPathComponent(script).path
        // Run through the command source itself; SIGKILL soon after SIGTERM keeps teardown short.
        let process = CommandSource(
            id: "fixture", executable: "python3", arguments: ["-u", path] + arguments,
            options: .init(format: .text, terminationGracePeriod: .milliseconds(300)))
        try await process.connect()
        let first = try await TestSupport.guarded(60) { try await process.collect() }
        guard let port = Int(TestSupport.text(first).trimmingCharacters(in: .whitespaces)) else {
            await process.disconnect()
            throw FixtureError(message: "fixture \(script) printed \(TestSupport.text(first)), not a port")
        }
        return Fixture(process: process, port: port)
    }

    func stop() async { await process.disconnect() }

    /// Starts the fixture, runs `body`, stops the fixture whatever happens.
    static func with<T>(
        _ script: String = "http_fixture.py", arguments: [String] = [], _ body: (Fixture) async throws -> T
    ) async throws -> T {
        let fixture = try await start(script, arguments: arguments)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
