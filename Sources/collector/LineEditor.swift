import CEditLine
import Foundation
import Synchronization

/// Line editing, history and completion for the REPL, through libedit.
///
/// Ctrl-C while typing must clear the line, not end the program: SIGINT is
/// caught without SA_RESTART, so libedit's read fails with EINTR, and our
/// getc function turns that into the end of a line that the REPL discards.
final class LineEditor {
    enum Input {
        case line(String)
        /// Ctrl-C: drop what was typed.
        case interrupted
        /// Ctrl-D on an empty line, or the terminal went away.
        case endOfInput
    }

    private let historyPath: String

    init(historyPath: String, historySize: Int32 = 1000, completer: @escaping (String) -> [String]) {
        self.historyPath = historyPath
        LineEditorCallbacks.completer = completer
        // Before anything that initializes libedit: it reads the hooks once.
        cel_set_hooks(LineEditorCallbacks.getc, LineEditorCallbacks.complete)
        using_history()
        stifle_history(historySize)
        _ = read_history(historyPath)
    }

    deinit {
        _ = write_history(historyPath)
    }

    func read(prompt: String) -> Input {
        ReplSignals.takeInterrupt()  // a Ctrl-C from before the prompt is stale
        LineEditorCallbacks.lineInterrupted = false
        guard let pointer = readline(prompt) else { return .endOfInput }
        defer { free(pointer) }
        if LineEditorCallbacks.lineInterrupted { return .interrupted }
        return .line(String(cString: pointer))
    }

    func remember(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        add_history(line)
    }
}

/// What libedit's C callbacks reach: they cannot capture, so it is global,
/// touched only by the thread that runs the REPL.
enum LineEditorCallbacks {
    nonisolated(unsafe) static var completer: (String) -> [String] = { _ in [] }
    nonisolated(unsafe) static var candidates: [String] = []
    nonisolated(unsafe) static var lineInterrupted = false
    /// Readable when work waits for this thread (see `ScriptLoop.host()`); -1 for none.
    nonisolated(unsafe) static var wakeDescriptor: Int32 = -1
    /// Runs that work; called from `getc` while the user is typing.
    nonisolated(unsafe) static var idle: (() -> Void)?

    static let getc: @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32 = { file in
        var byte: UInt8 = 0
        let descriptor = file.map { fileno($0) } ?? 0
        while true {
            // A Ctrl-C may land between two reads rather than during one.
            if ReplSignals.takeInterrupt() {
                lineInterrupted = true
                return Int32(UInt8(ascii: "\n"))
            }
            if wakeDescriptor >= 0 {
                // Wait for a key or for work from a background pipeline, whichever comes first.
                var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
                let ready = poll(&fds, 2, -1)
                if ready < 0 { continue }  // EINTR: the interrupt check above runs again
                if fds[1].revents != 0 {
                    idle?()
                    if fds[0].revents == 0 { continue }
                }
            }
            let count = Foundation.read(descriptor, &byte, 1)
            if count == 1 { return Int32(byte) }
            if count == 0 { return EOF }
            if errno == EINTR { continue }  // the check above sees the flag
            return EOF
        }
    }

    static let complete: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = {
        text, _, _ in
        guard let text else { return nil }
        candidates = completer(String(cString: text))
        guard !candidates.isEmpty else { return nil }
        return rl_completion_matches(text, generate)
    }

    static let generate: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, state in
        let index = Int(state)
        guard index < candidates.count else { return nil }
        return strdup(candidates[index])
    }
}

/// SIGINT for the REPL: the handler only sets a flag (that is all a signal
/// handler may safely do); the line editor and the interrupt watcher read it.
enum ReplSignals {
    static let interrupted = Atomic<Bool>(false)

    @discardableResult
    static func takeInterrupt() -> Bool {
        interrupted.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// Installs the handler without SA_RESTART, so a blocked read returns EINTR.
    static func install() {
        _ = interrupted.load(ordering: .relaxed)  // initialize before the handler can run
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in ReplSignals.interrupted.store(true, ordering: .releasing) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // A parent may have started us with SIGINT blocked (threads of a
        // dispatch pool block signals, and children inherit the mask).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
}
