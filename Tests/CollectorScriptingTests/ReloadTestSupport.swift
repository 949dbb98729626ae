import CollectorValues
import Collectors
import Foundation
import Testing

@testable import CollectorScripting

/// A fresh directory for processor files, removed when released. Files are
/// saved the way editors save them: written beside, then renamed into place.
final class ProcessorFolder {
    let path: String

    init() throws {
        // Short: Lua cuts chunk names past 60 bytes in its messages, and tests read those messages.
        path = ModuleFiles.canonical(NSTemporaryDirectory() + "reload-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to a temporary name and renames it over `name`.
    @discardableResult
    func save(_ name: String, _ text: String) throws -> String {
        let target = URL(fileURLWithPath: file(name))
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).swp").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, file(name)) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        return file(name)
    }

    /// Writes `text` in place (open, truncate, write, close), as `echo > file` does.
    func overwrite(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: file(name)))
    }
}

/// Waits, polling, until `condition` holds; fails the test after `timeout`.
/// The bound is only there so that a bug cannot hang the suite: nothing here
/// depends on how fast the machine is.
func eventually(
    _ what: String, timeout: Duration = .seconds(120), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}

/// The `v` field of every record that came out, in order (nil for a failure or a record without one).
func stamps(_ results: [ProcessingResult]) -> [Int64?] {
    results.flatMap { result in result.success ? result.records.map { $0.value["v"]?.intValue } : [nil] }
}

/// A processor module that stamps each record with `v = version`, with an inline test that says so.
func stampModule(_ version: Int) -> String {
    """
    -- version \(version)
    local M = {}
    M.tests = { { name = "stamps version \(version)", input = { i = 7 }, output = { i = 7, v = \(version) } } }
    function M.process(r) r.v = \(version) return r end
    return M
    """
}

/// Collects events from the engine's bus.
final class EventLog: Sendable {
    let bus = EventBus()
    private let seen = Locked<[SystemEvent]>([])

    init() {
        let seen = self.seen
        bus.subscribeAll { event in seen.withLock { $0.append(event) } }
    }

    var events: [SystemEvent] { seen.withLock { $0 } }
}
