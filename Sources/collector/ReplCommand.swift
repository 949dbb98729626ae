import CollectorConnectors
import CollectorScripting
import Foundation
import LuaRuntime

/// `collector repl [SCRIPT.lua]`: Lua with the engine at hand.
///
/// On a terminal: line editing, history in ~/.collector_history, tab
/// completion, `> ` and `>> ` prompts, Ctrl-C to stop running Lua or clear
/// the line, Ctrl-D to leave. Without a terminal (`collector repl < file`) it
/// reads the input line by line with no prompts or colours, prints results,
/// and exits 1 if anything failed, so sessions can be scripted.
struct ReplCommand {
    let arguments: [String]
    /// What `:reload` runs again.
    private let lastLoadedBox = LastLoaded()
    private var lastLoaded: String? {
        get { lastLoadedBox.path }
        nonmutating set { lastLoadedBox.path = newValue }
    }

    static let help = """
        usage: collector repl [options] [SCRIPT.lua]

        An interactive Lua 5.4 session (full standard library). SCRIPT, if
        given, runs first and its globals stay in scope. Type :help inside.

        options:
          --log-level LEVEL    debug, info, warn or error (default: LOG_LEVEL, else info)
          --log-format FORMAT  human, logfmt or json (default: human on a terminal, else logfmt)
          --memory SIZE        what the session's Lua may allocate in all (default 1GB); past it
                               a line fails with "not enough memory" and the session goes on
        """

    func execute() -> Int32 {
        let options: ReplOptions
        do {
            options = try ReplOptions.parse(arguments)
        } catch {
            fail("repl: \(error) (collector repl --help for help)")
            return 2
        }
        if options.help {
            print(Self.help)
            return 0
        }
        let lua: LuaState
        let bindings: ScriptBindings
        do {
            lua = try LuaState(
                LuaOptions(libraries: .full, memoryLimit: options.memoryLimit, modulePaths: ["./?.lua", "./?/init.lua"]))
            // The whole engine, as in `collector run`: sources, storage, processors, pipelines.
            bindings = try ScriptBindings(
                installingIn: lua, scriptPath: options.script ?? "./repl.lua", log: options.logSink(),
                connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool,
                resume: BuiltinConnectors.resumeStore)
        } catch {
            fail("cannot start Lua: \(error)")
            return 1
        }
        // Background pipelines run the session's functions on this thread,
        // between keystrokes (the line editor wakes for them) and between lines.
        let wake = bindings.loop.host()
        LineEditorCallbacks.wakeDescriptor = wake
        LineEditorCallbacks.idle = { bindings.loop.runPending() }
        defer {
            Self.finish(bindings)
            bindings.loop.endHosting()
        }
        let exit = ScriptExit()
        do { try exit.install(in: lua) } catch {
            fail("cannot start Lua: \(error)")
            return 1
        }
        let session = ReplSession(lua: lua, connectors: bindings.connectors)
        let interactive = isatty(0) != 0 && isatty(1) != 0
        let output = ReplOutput(
            colors: interactive && ProcessInfo.processInfo.environment["NO_COLOR"] == nil, memoryLimit: options.memoryLimit,
            explain: { [bindings] in bindings.explain($0) })
        let watcher = InterruptWatcher(lua.interruptHandle, loop: bindings.loop)
        ReplSignals.install()
        defer { watcher.stop() }
        // After the SIGINT handler: SIGTERM pokes the REPL's thread with a SIGINT.
        let termination = ReplTermination(bindings: bindings)
        defer { termination.cancel() }
        let leaving = Leaving(exit: exit, termination: termination)

        var failures = 0
        if let script = options.script {
            lastLoaded = script
            let outcome = watcher.evaluating { session.load(file: script) }
            if !leaving.now, !output.show(outcome, in: lua) { failures += 1 }
        }
        if interactive {
            if !leaving.now { runInteractive(session, output: output, watcher: watcher, leaving: leaving) }
            return exit.status ?? 0
        }
        if !leaving.now {
            failures += runPiped(session, output: output, watcher: watcher, leaving: leaving, loop: bindings.loop)
        }
        return exit.status ?? (failures == 0 ? 0 : 1)
    }

    /// Whether the session is to end now: `os.exit()` was called, or SIGTERM came.
    private struct Leaving {
        let exit: ScriptExit
        let termination: ReplTermination
        var now: Bool { exit.status != nil || termination.isRequested }
    }

    private func runInteractive(_ session: ReplSession, output: ReplOutput, watcher: InterruptWatcher, leaving: Leaving) {
        print("DataCollector REPL on \(LuaVersion.string). :help for help, Ctrl-D to leave.")
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSTemporaryDirectory()
        let editor = LineEditor(historyPath: home + "/.collector_history") { session.completions(for: $0, before: $1) }
        defer { editor.finish() }
        var entry: [[UInt8]] = []
        while !leaving.now {
            switch editor.read(prompt: session.isContinuing ? ">> " : "> ") {
            case .endOfInput:
                print("")
                return
            case .interrupted:
                session.discardPending()
                entry = []
            case .line(let line):
                if !session.isContinuing, let command = ReplMetaCommand(line: String(decoding: line, as: UTF8.self)) {
                    editor.remember(line)
                    if run(command, session, output: output, watcher: watcher) == .leave { return }
                    continue
                }
                // An entry of several lines (typed with `>> ` or pasted) is one history entry, recalled whole.
                entry.append(line)
                let outcome = watcher.evaluating { session.submit(bytes: line) }
                if !session.isContinuing {
                    editor.remember(Array(entry.joined(separator: [UInt8(ascii: "\n")])))
                    entry = []
                }
                if leaving.now { break }
                output.show(outcome, in: session.lua)
            }
        }
        print("")
    }

    private func runPiped(
        _ session: ReplSession, output: ReplOutput, watcher: InterruptWatcher, leaving: Leaving, loop: ScriptLoop
    ) -> Int {
        var failures = 0
        let input = PipedLines()
        var lineNumber = 0
        while !leaving.now {
            // Waiting for input in the loop: background pipelines' functions run meanwhile, and SIGTERM ends the wait.
            guard let next = try? loop.run({ await input.next() }), let line = next ?? nil else { break }
            lineNumber += 1
            if !session.isContinuing, let command = ReplMetaCommand(line: String(decoding: line, as: UTF8.self)) {
                // A command that fails counts as any failed line does (the exit status says so).
                switch run(command, session, output: output, watcher: watcher) {
                case .leave: return failures
                case .failed: failures += 1
                case .done: break
                }
                continue
            }
            let outcome = watcher.evaluating { session.submit(bytes: line, lineNumber: lineNumber) }
            if leaving.now { return failures }
            if !output.show(outcome, in: session.lua) { failures += 1 }
            LineEditorCallbacks.idle?()
        }
        if let first = session.pendingFirstLine, !leaving.now {
            output.error("stdin:\(lineNumber): unexpected end of input (the statement begun on line \(first) is unfinished)")
            failures += 1
        }
        return failures
    }

    /// Leaving: pipelines still running stop gracefully (drain, flush) and are waited for.
    private static func finish(_ bindings: ScriptBindings) {
        for outcome in bindings.drainStarted() { print(outcome.summary) }
    }

    private enum CommandResult { case done, failed, leave }

    /// Runs a meta-command.
    private func run(
        _ command: ReplMetaCommand, _ session: ReplSession, output: ReplOutput, watcher: InterruptWatcher
    ) -> CommandResult {
        switch command {
        case .help: print(ReplMetaCommand.helpText)
        case .quit: return .leave
        case .load(let path):
            lastLoaded = path
            return output.show(watcher.evaluating { session.load(file: path) }, in: session.lua) ? .done : .failed
        case .reload:
            guard let path = lastLoaded else {
                output.error(":reload: nothing loaded yet (:load FILE, or start the REPL with a script)")
                return .failed
            }
            return output.show(watcher.evaluating { session.load(file: path) }, in: session.lua) ? .done : .failed
        case .doc(let name):
            if let text = session.connectorDocumentation(name) ?? APIDocumentation.lookup(name) {
                output.document(text)
            } else {
                let close = APIDocumentation.names.filter { $0.contains(name) || name.contains($0) }.prefix(8)
                output.error(":doc: nothing on '\(name)'" + (close.isEmpty ? "" : " (try: \(close.joined(separator: ", ")))"))
                return .failed
            }
        case .unknown(let message):
            output.error(message)
            return .failed
        }
        return .done
    }
}

/// Prints results and errors.
struct ReplOutput {
    let colors: Bool
    /// The session's cap, named when a line reaches it.
    var memoryLimit: Int?
    /// An error's text, explained where the engine knows more than Lua (`storage.NAME` with no such type).
    var explain: (String) -> String = { $0 }

    /// Tables fit the terminal's width as it is now (it may have been resized); 80 without one.
    private var printer: ValuePrinter {
        var printer = ValuePrinter()
        printer.lineWidth = Self.width
        return printer
    }

    private static var width: Int {
        var size = winsize()
        return ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col >= 20 ? Int(size.ws_col) : 80
    }

    /// Reference text (`:doc`): rendered for a terminal, the markdown itself when piped.
    func document(_ markdown: String) {
        print(isatty(1) != 0 ? TerminalMarkdown.render(markdown, width: Self.width, colors: colors) : markdown)
    }

    /// Shows an outcome; false when it was a failure.
    @discardableResult
    func show(_ outcome: ReplSession.Outcome, in lua: LuaState) -> Bool {
        switch outcome {
        case .values(let values):
            if !values.isEmpty { print(printer.format(values, in: lua)) }
            fflush(nil)  // Lua's print writes through C stdio
            return true
        case .incomplete:
            return true
        case .failed(let error):
            fflush(nil)
            var text = error.description
            if error.kind == .memory, let memoryLimit {
                // Say which limit, and how to have another: Lua's own message names neither.
                text = error.message
                    + " (the session's memory limit of \(Self.sizeText(memoryLimit)) was reached; collector repl --memory SIZE sets another)"
                    + error.description.dropFirst(error.message.count)
            }
            self.error(explain(text))
            return false
        }
    }

    private static func sizeText(_ bytes: Int) -> String {
        for (suffix, factor) in [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes) bytes"
    }

    func error(_ message: String) {
        let text = colors ? "\u{1B}[31m\(message)\u{1B}[0m" : message
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Forwards Ctrl-C to what the line runs: the signal handler only sets a
/// flag and wakes this thread (through `ReplSignals`' pipe), and this thread
/// turns it, while an evaluation runs, into the end of the blocking call the
/// line waits in (`p:wait()`, `p:tap()`, `src:collect()`), or else an
/// interrupt of its Lua code. Never into an interrupt of Lua while the line
/// waits: the functions of other pipelines that run on this thread
/// meanwhile would fail instead.
final class InterruptWatcher: @unchecked Sendable {
    // @unchecked: `running` and `stopped` are guarded by `lock`.
    private let handle: LuaInterruptHandle
    private let loop: ScriptLoop
    private let lock = NSLock()
    private var running = false
    private var stopped = false

    init(_ handle: LuaInterruptHandle, loop: ScriptLoop) {
        self.handle = handle
        self.loop = loop
        let wakeRead = ReplSignals.wakeRead
        let thread = Thread { [self] in watch(wakeRead) }
        thread.name = "repl interrupts"
        thread.start()
    }

    func evaluating<T>(_ body: () -> T) -> T {
        ReplSignals.takeInterrupt()
        lock.withLock { running = true }
        defer { lock.withLock { running = false } }
        // A Ctrl-C between the two lines above woke the watcher too early: again.
        if ReplSignals.interrupted.load(ordering: .acquiring) { ReplSignals.wake() }
        return body()
    }

    func stop() {
        lock.withLock { stopped = true }
        ReplSignals.wake()
    }

    /// Sleeps in `poll` on the wake-up pipe: no timer, a wake-up per signal.
    private func watch(_ wakeRead: Int32) {
        var bytes = [UInt8](repeating: 0, count: 64)
        while true {
            var pfd = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, -1) < 0, errno != EINTR { return }
            while read(wakeRead, &bytes, bytes.count) > 0 {}
            if lock.withLock({ stopped }) { return }
            if lock.withLock({ running }), ReplSignals.takeInterrupt(), !loop.interrupt() { handle.interrupt() }
        }
    }
}

/// The file `:reload` runs again.
private final class LastLoaded {
    var path: String?
}
