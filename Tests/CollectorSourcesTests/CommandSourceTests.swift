import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite struct CommandSourceTests {
    private func collectAll(_ source: CommandSource) async throws -> [String] {
        try await TestSupport.guarded {
            var lines: [String] = []
            for try await item in source.stream() { lines.append(TestSupport.text(item)) }
            return lines
        }
    }

    @Test func collectsStdoutLinesAndTheExitStatus() async throws {
        let source = CommandSource(
            id: "cmd", executable: "sh", arguments: ["-c", "printf 'one\\ntwo\\n'; echo noise >&2; printf three"])
        try await source.connect()
        #expect(try await collectAll(source) == ["one", "two", "three"])
        #expect(await source.exitStatus == 0)
        await source.disconnect()
    }

    @Test func aNonZeroExitEndsTheStreamWithTheStatusAndStderr() async throws {
        let source = CommandSource(id: "cmd", executable: "/bin/sh", arguments: ["-c", "echo partial; echo 'it broke' >&2; exit 3"])
        try await source.connect()
        var lines: [String] = []
        let error = await #expect(throws: ErrorInfo.self) {
            for try await item in source.stream() { lines.append(TestSupport.text(item)) }
        }
        #expect(lines == ["partial"])
        #expect(error?.type == .processing)
        #expect(error?.details["exit_status"] == .integer(3))
        #expect(error?.details["stderr"]?.stringValue?.contains("it broke") == true)
        #expect(await source.exitStatus == 3)
        await source.disconnect()
    }

    @Test func aCommandThatDoesNotExistIsNotFound() async throws {
        let source = CommandSource(id: "cmd", executable: "no-such-command-collector-test")
        let error = await #expect(throws: ErrorInfo.self) { try await source.connect() }
        #expect(error?.type == .notFound)
        #expect(error?.isRetryable == false)
        await source.disconnect()
    }

    @Test func disconnectTerminatesARunningCommand() async throws {
        let source = CommandSource(
            id: "cmd", executable: "sh", arguments: ["-c", "echo started; exec sleep 60"],
            options: .init(terminationGracePeriod: .milliseconds(500)))
        try await source.connect()
        #expect(TestSupport.text(try await TestSupport.guarded { try await source.collect() }) == "started")
        try await TestSupport.guarded { await source.disconnect() }
        // A fresh run after the disconnect.
        try await source.connect()
        #expect(TestSupport.text(try await TestSupport.guarded { try await source.collect() }) == "started")
        await source.disconnect()
    }

    @Test func aKilledCommandReportsItsSignal() async throws {
        let source = CommandSource(id: "cmd", executable: "sh", arguments: ["-c", "echo bye; kill -9 $$"])
        try await source.connect()
        let error = await #expect(throws: ErrorInfo.self) { _ = try await collectAll(source) }
        #expect(error?.details["signal"] == .integer(9))
        await source.disconnect()
    }

    @Test func aCommandThatIgnoresSIGTERMIsKilled() async throws {
        let source = CommandSource(
            id: "cmd", executable: "sh", arguments: ["-c", "trap '' TERM; echo started; while :; do sleep 1; done"],
            options: .init(terminationGracePeriod: .milliseconds(200)))
        try await source.connect()
        #expect(TestSupport.text(try await TestSupport.guarded { try await source.collect() }) == "started")
        try await TestSupport.guarded { await source.disconnect() }
    }
}
