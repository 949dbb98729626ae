import CollectorValues
import Collectors
import Foundation

/// Runs a program and collects its standard output, line by line.
///
/// `connect()` starts the program (a new run after the previous one ended
/// and was disconnected); `collect()` returns its next line; `stream()`
/// yields them until the program closes its output. Then its exit status is
/// known (`exitStatus`): zero ends the stream normally, anything else ends it
/// with a `.processing` error carrying `exit_status` (or `signal`) and the
/// end of its standard error. `disconnect()` terminates a program still running.
///
/// Errors: a program that does not exist (or is not executable) is
/// `.notFound` at `connect()`. None is retryable. Lines over
/// `maxLineLength` or not UTF-8 are items of their own with a `.validation`
/// `refusal` (line number, reason, their bytes): a pipeline dead-letters
/// them and reads on.
public actor CommandSource: DataSource, PullingSource {
    public struct Options: Sendable, Hashable {
        public var format: DataFormat
        /// The environment; `nil` inherits the engine's.
        public var environment: [String: String]?
        public var workingDirectory: String?
        public var maxLineLength: Int
        public var validateUTF8: Bool
        /// How much of the end of standard error an exit error quotes.
        public var stderrExcerptLimit: Int
        /// How long `disconnect()` waits after SIGTERM before it sends SIGKILL.
        public var terminationGracePeriod: Duration

        public init(
            format: DataFormat = .jsonLines, environment: [String: String]? = nil, workingDirectory: String? = nil,
            maxLineLength: Int = 16 << 20, validateUTF8: Bool = true, stderrExcerptLimit: Int = 4096,
            terminationGracePeriod: Duration = .seconds(2)
        ) {
            self.terminationGracePeriod = terminationGracePeriod
            self.format = format
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.maxLineLength = maxLineLength
            self.validateUTF8 = validateUTF8
            self.stderrExcerptLimit = stderrExcerptLimit
        }
    }

    /// One run of the program.
    private struct Run {
        var process: Process
        var stdout: Pipe
        var stderr: Pipe
        var reader: PipeReader
        var stderrTail: Task<[UInt8], Never>
        var exit: ExitWaiter
    }

    public nonisolated let id: String
    public nonisolated let executable: String
    public nonisolated let arguments: [String]
    public nonisolated let options: Options
    private var run: Run?
    private var lines: LineReading
    private var finished = false
    /// The exit status of the last run, once it has ended (negative: killed by that signal).
    public private(set) var exitStatus: Int32?

    public init(id: String, executable: String, arguments: [String] = [], options: Options = Options()) {
        self.id = id
        self.executable = executable
        self.arguments = arguments
        self.options = options
        lines = LineReading(cursor: Self.cursor(id, options))
    }

    private static func cursor(_ id: String, _ options: Options) -> LineCursor {
        LineCursor(sourceID: id, maxLineLength: options.maxLineLength, validateUTF8: options.validateUTF8 && !options.format.isJSON)
    }

    public func connect() async throws {
        guard run == nil else { return }
        guard let path = ExecutableLookup.resolve(executable) else {
            throw ErrorInfo(
                .notFound, layer: .collection, operation: "connect",
                message: "command '\(executable)' not found or not executable",
                details: ["source_id": .string(id), "command": .string(executable)])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment = options.environment { process.environment = environment }
        if let directory = options.workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let exit = ExitWaiter()
        process.terminationHandler = { exit.finished($0) }
        do {
            try process.run()
        } catch {
            throw ErrorInfo(
                .connection, layer: .collection, operation: "connect",
                message: "command '\(executable)' could not be started: \(error)",
                details: ["source_id": .string(id), "command": .string(path)])
        }
        let limit = options.stderrExcerptLimit
        // Ours alone (the child has its own ends): reads go first and wait only when empty.
        PipeReader.makeNonBlocking(stdout.fileHandleForReading.fileDescriptor)
        PipeReader.makeNonBlocking(stderr.fileHandleForReading.fileDescriptor)
        let stderrReader = PipeReader(fd: stderr.fileHandleForReading.fileDescriptor)
        // Drained all along, so a chatty program never blocks on a full stderr pipe.
        let tail = Task<[UInt8], Never> {
            var kept: [UInt8] = []
            while let bytes = try? await stderrReader.read(), !bytes.isEmpty {
                kept.append(contentsOf: bytes)
                if kept.count > limit { kept.removeFirst(kept.count - limit) }
            }
            _ = stderr  // the pipe's handles stay open until the drain ends
            return kept
        }
        run = Run(
            process: process, stdout: stdout, stderr: stderr, reader: PipeReader(fd: stdout.fileHandleForReading.fileDescriptor),
            stderrTail: tail, exit: exit)
        lines = LineReading(cursor: Self.cursor(id, options))
        finished = false
        exitStatus = nil
    }

    /// Terminates the program if it still runs and forgets the run.
    public func disconnect() async {
        guard let run else { return }
        let pid = run.process.processIdentifier
        if run.process.isRunning {
            kill(pid, SIGTERM)
            // A program that ignores SIGTERM gets SIGKILL after the grace period.
            if await run.exit.status(within: options.terminationGracePeriod) == nil {
                kill(pid, SIGKILL)
            }
        }
        _ = await run.exit.status()
        run.stderrTail.cancel()
        _ = await run.stderrTail.value
        // Closed here, not when the pipes are freed: Foundation's `Process`
        // keeps them (and their descriptors) alive after the run.
        for pipe in [run.stdout, run.stderr] {
            try? pipe.fileHandleForReading.close()
            try? pipe.fileHandleForWriting.close()
        }
        self.run = nil
    }

    func next() async throws -> CollectedData? {
        if run == nil, !finished { try await connect() }
        guard let run, !finished else { return nil }
        try lines.checkIdle(id)
        while true {
            switch lines.step() {
            case .line(let payload, let number, let refusal):
                return CollectedData(
                    sourceID: id, format: options.format, method: .command, payload: payload,
                    metadata: ["command": .string(executable), "line": .integer(number)], refusal: refusal)
            case .end:
                finished = true
                try await finish(run)
                return nil
            case .needMore:
                lines.busy = true
                defer { lines.busy = false }
                lines.receive(try await run.reader.read(sourceID: id))
            }
        }
    }

    /// After the output ended: waits for the exit and throws for a failure.
    private func finish(_ run: Run) async throws {
        let status = await run.exit.status()
        exitStatus = status.code
        guard status.code != 0 else { return }
        let excerpt = String(decoding: await run.stderrTail.value, as: UTF8.self)
        var details: DataObject = ["source_id": .string(id), "command": .string(executable)]
        let what: String
        if status.signaled {
            details["signal"] = .integer(Int64(-status.code))
            what = "was killed by signal \(-status.code)"
        } else {
            details["exit_status"] = .integer(Int64(status.code))
            what = "exited with status \(status.code)"
        }
        details["stderr"] = .string(excerpt)
        let trimmed = excerpt.trimmingCharacters(in: .whitespacesAndNewlines)
        throw ErrorInfo(
            .processing, layer: .collection, operation: "collect",
            message: "command '\(executable)' \(what)" + (trimmed.isEmpty ? "" : ": \(trimmed)"), details: details)
    }
}

/// The exit of a child process, awaited by any number of callers; set by
/// `Process`'s termination handler, so waiting wakes on the exit itself.
final class ExitWaiter: Sendable {
    struct Status: Sendable {
        /// The exit status, or minus the signal that killed the process.
        var code: Int32
        var signaled: Bool
    }

    private let exit = OneShot<Status>()

    /// Called by `Process`'s termination handler.
    func finished(_ process: Process) {
        let signaled = process.terminationReason == .uncaughtSignal
        exit.set(Status(code: signaled ? -process.terminationStatus : process.terminationStatus, signaled: signaled))
    }

    /// The status if the process exits within `limit`, else `nil`.
    func status(within limit: Duration) async -> Status? {
        await exit.value(within: limit)
    }

    /// The status once the process has exited. Not cut short by
    /// cancellation: a child is always reaped.
    func status() async -> Status {
        await exit.valueIgnoringCancellation()
    }
}
