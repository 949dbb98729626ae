import CEditLine
import Collectors
import Foundation
import Synchronization

/// Line editing, history and completion for the REPL, through libedit.
///
/// Ctrl-C while typing must clear the line, not end the program: SIGINT is
/// caught without SA_RESTART, so libedit's read fails with EINTR, and our
/// getc function turns that into the end of a line that the REPL discards.
final class LineEditor {
    enum Input {
        /// A line as typed, as bytes (UTF-8 on a UTF-8 terminal).
        case line([UInt8])
        /// Ctrl-C: drop what was typed.
        case interrupted
        /// Ctrl-D on an empty line, or the terminal went away.
        case endOfInput
    }

    private let history: HistoryFile
    /// Written to when a log line was printed over the prompt (see `StandardError`); -1 for none.
    private var redrawRequest: Int32 = -1

    init(historyPath: String, historySize: Int32 = 1000, completer: @escaping (String, String) -> [String]) {
        history = HistoryFile(path: historyPath, limit: Int(historySize))
        LineEditorCallbacks.completer = completer
        // libedit encodes and measures characters by the locale's rules: without
        // a UTF-8 one, anything past ASCII rings the bell and garbles the line.
        Self.useUTF8Locale()
        ResizeSignal.install()
        var ends: [Int32] = [0, 0]
        if pipe(&ends) == 0 {
            _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
            _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
            LineEditorCallbacks.redrawDescriptor = ends[0]
            redrawRequest = ends[1]
        }
        // Bracketed paste: the terminal marks pasted text, which then comes in whole (see `getc`);
        // on for the session, off again in `finish()`.
        if isatty(1) != 0 { Self.writeOut("\u{1B}[?2004h") }
        // Before anything that initializes libedit: it reads the hooks once.
        cel_set_hooks(LineEditorCallbacks.getc, LineEditorCallbacks.complete)
        using_history()
        stifle_history(historySize)
        for entry in history.load() {
            _ = (entry + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { add_history($0.baseAddress) }
            }
        }
    }

    func read(prompt: String) -> Input {
        ReplSignals.takeInterrupt()  // a Ctrl-C from before the prompt is stale
        LineEditorCallbacks.lineInterrupted = false
        // Background pipelines' log lines print above the line being typed, which is then drawn again.
        let request = redrawRequest
        if request >= 0, isatty(2) != 0 {  // standard error elsewhere (a file) gets plain lines
            StandardError.setLineEditor { [request] in
                var byte: UInt8 = 1
                _ = Foundation.write(request, &byte, 1)
            }
        }
        let pointer = readline(prompt)
        StandardError.setLineEditor(redraw: nil)
        guard let pointer else { return .endOfInput }
        defer { free(pointer) }
        if LineEditorCallbacks.lineInterrupted {
            LineEditorCallbacks.pasted = nil
            return .interrupted
        }
        let typed = Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
        guard var pasted = LineEditorCallbacks.pasted else { return .line(typed) }
        LineEditorCallbacks.pasted = nil
        // The editor showed what was typed before the paste; the pasted lines are shown here, as continuation lines.
        pasted = pasted.map { $0 == UInt8(ascii: "\r") ? UInt8(ascii: "\n") : $0 }
        while pasted.last == UInt8(ascii: "\n") { pasted.removeLast() }
        let lines = pasted.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        Self.writeOut(lines.map { ">> " + String(decoding: $0, as: UTF8.self) }.joined(separator: "\n") + "\n")
        return .line(typed + pasted)
    }

    /// Gives the terminal back as it was (bracketed paste off).
    func finish() {
        if isatty(1) != 0 { Self.writeOut("\u{1B}[?2004l") }
    }

    private static func writeOut(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Foundation.write(1, $0.baseAddress, $0.count) }
    }

    /// Adds a line to the history, and to the history file at once: nothing
    /// typed is lost however the session ends, and other sessions' lines stay.
    func remember(_ line: [UInt8]) {
        guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { return }
        _ = (line + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { add_history($0.baseAddress) }
        }
        history.append(line)
    }

    /// The environment's character type if it is UTF-8, else C.UTF-8 (a
    /// terminal in the C locale still sends UTF-8 these days). Only
    /// LC_CTYPE: numbers keep the C format Lua relies on.
    private static func useUTF8Locale() {
        if let name = setlocale(LC_CTYPE, ""), Self.isUTF8(String(cString: name)) { return }
        if setlocale(LC_CTYPE, "C.UTF-8") == nil { _ = setlocale(LC_CTYPE, "en_US.UTF-8") }
    }

    private static func isUTF8(_ locale: String) -> Bool {
        let lower = locale.lowercased()
        return lower.hasSuffix(".utf-8") || lower.hasSuffix(".utf8") || lower.contains(".utf-8@") || lower.contains(".utf8@")
    }
}

/// What libedit's C callbacks reach: they cannot capture, so it is global,
/// touched only by the thread that runs the REPL.
enum LineEditorCallbacks {
    nonisolated(unsafe) static var completer: (String, String) -> [String] = { _, _ in [] }
    nonisolated(unsafe) static var candidates: [String] = []
    nonisolated(unsafe) static var lineInterrupted = false
    /// Readable when the line is to be drawn again; -1 for none.
    nonisolated(unsafe) static var redrawDescriptor: Int32 = -1
    /// Readable when work waits for this thread (see `ScriptLoop.host()`); -1 for none.
    nonisolated(unsafe) static var wakeDescriptor: Int32 = -1
    /// Runs that work; called from `getc` while the user is typing.
    nonisolated(unsafe) static var idle: (() -> Void)?
    /// Bytes read after an escape that did not start a paste (an arrow key's
    /// sequence): the editor gets them next.
    nonisolated(unsafe) static var pushedBack: [UInt8] = []
    /// Text pasted while a line was read (between `ESC[200~` and `ESC[201~`):
    /// it ended the line, and `read` adds it, line breaks and all.
    nonisolated(unsafe) static var pasted: [UInt8]?

    /// libedit takes what this returns as one wide character: bytes of
    /// UTF-8 are put together into their code point here.
    static let getc: @convention(c) (UnsafeMutablePointer<FILE>?) -> Int32 = { file in
        let descriptor = file.map { fileno($0) } ?? 0
        guard let first = nextByte(descriptor) else { return lineInterrupted ? Int32(UInt8(ascii: "\n")) : EOF }
        if first == 0x1B, let paste = readPaste(descriptor) {
            pasted = (pasted ?? []) + paste
            return Int32(UInt8(ascii: "\n"))  // the line ends; `read` adds the paste to it
        }
        let length: Int
        var scalar: UInt32
        switch first {
        case 0..<0x80: return Int32(first)
        case 0xC2...0xDF: (length, scalar) = (2, UInt32(first & 0x1F))
        case 0xE0...0xEF: (length, scalar) = (3, UInt32(first & 0x0F))
        case 0xF0...0xF4: (length, scalar) = (4, UInt32(first & 0x07))
        default: return 0xFFFD  // not the start of a character
        }
        for _ in 1..<length {
            guard let byte = continuationByte(descriptor), byte & 0xC0 == 0x80 else { return 0xFFFD }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        return Unicode.Scalar(scalar) == nil ? 0xFFFD : Int32(bitPattern: scalar)
    }

    /// After an escape: the pasted text if `[200~` follows (up to `ESC[201~`),
    /// else nil, with the bytes read meanwhile pushed back for the editor.
    private static func readPaste(_ descriptor: Int32) -> [UInt8]? {
        var read: [UInt8] = []
        for expected in Array("[200~".utf8) {
            // The rest of an escape sequence comes with it; a lone Escape key is followed by nothing soon.
            var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 1, 50) == 1, let byte = continuationByte(descriptor) else {
                pushedBack += read
                return nil
            }
            read.append(byte)
            guard byte == expected else {
                pushedBack += read
                return nil
            }
        }
        let end = Array("\u{1B}[201~".utf8)
        var text: [UInt8] = []
        while let byte = continuationByte(descriptor) {
            text.append(byte)
            if text.count >= end.count, text.suffix(end.count).elementsEqual(end) {
                text.removeLast(end.count)
                break
            }
        }
        return text
    }

    /// The next byte typed; meanwhile runs background work, and follows
    /// resizes. Nil at the end of input, or on Ctrl-C (`lineInterrupted` set).
    private static func nextByte(_ descriptor: Int32) -> UInt8? {
        if !pushedBack.isEmpty { return pushedBack.removeFirst() }
        var byte: UInt8 = 0
        while true {
            // A Ctrl-C may land between two reads rather than during one.
            if ReplSignals.takeInterrupt() {
                lineInterrupted = true
                return nil
            }
            // libedit's own SIGWINCH handling is off with its signal handling (see shim.h).
            if ResizeSignal.take() { rl_resize_terminal() }
            // Wait for a key, for work from a background pipeline, or for a redraw, whichever comes first.
            var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: redrawDescriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 3, -1)  // a descriptor of -1 is left out
            if ready < 0 { continue }  // EINTR: the checks above run again
            if fds[1].revents != 0 { idle?() }
            if fds[2].revents != 0 {
                var drained = [UInt8](repeating: 0, count: 64)
                while Foundation.read(redrawDescriptor, &drained, drained.count) > 0 {}
                rl_forced_update_display()
            }
            if fds[0].revents == 0 { continue }
            let count = Foundation.read(descriptor, &byte, 1)
            if count == 1 { return byte }
            if count == 0 { return nil }
            if errno == EINTR { continue }  // the checks above see the flags
            return nil
        }
    }

    /// The rest of a character: its bytes come together, so no waiting for work here.
    private static func continuationByte(_ descriptor: Int32) -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let count = Foundation.read(descriptor, &byte, 1)
            if count == 1 { return byte }
            if count < 0, errno == EINTR { continue }
            return nil
        }
    }

    static let complete: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = {
        text, start, _ in
        guard let text else { return nil }
        // The line up to the word: inside `source.http { ... }` the completions are its options.
        var before = ""
        if let line = cel_line_buffer(), start > 0 {
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), count: strlen(line))
            before = String(decoding: bytes.prefix(Int(start)), as: UTF8.self)
        }
        candidates = completer(String(cString: text), before)
        guard !candidates.isEmpty else { return nil }
        return rl_completion_matches(text, generate)
    }

    static let generate: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, state in
        let index = Int(state)
        guard index < candidates.count else { return nil }
        return strdup(candidates[index])
    }
}

/// SIGINT for the REPL: the handler only sets a flag and writes a byte to a
/// pipe (all a signal handler may safely do); the line editor reads the
/// flag, and the interrupt watcher, blocked on the pipe, wakes to read it.
enum ReplSignals {
    static let interrupted = Atomic<Bool>(false)
    /// The pipe's write end, for the handler; -1 until the pipe exists.
    private static let wakeWrite = Atomic<Int32>(-1)
    /// The pipe's read end, where the interrupt watcher waits (created on first use).
    static let wakeRead: Int32 = {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            fatalError("the REPL cannot create its interrupt pipe: \(String(cString: strerror(errno)))")
        }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wakeWrite.store(ends[1], ordering: .releasing)
        return ends[0]
    }()

    /// Flags an interrupt and wakes the watcher. Async-signal-safe: an atomic
    /// store and a write(2), with errno kept for the code the signal interrupted.
    static func raise() {
        interrupted.store(true, ordering: .releasing)
        wake()
    }

    /// Wakes the watcher without flagging anything.
    static func wake() {
        let fd = wakeWrite.load(ordering: .acquiring)
        guard fd >= 0 else { return }
        let saved = errno
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)  // a full pipe already holds a wake-up
        errno = saved
    }

    @discardableResult
    static func takeInterrupt() -> Bool {
        interrupted.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// Installs the handler without SA_RESTART, so a blocked read returns EINTR.
    static func install() {
        // Initialized before the handler can run.
        _ = interrupted.load(ordering: .relaxed)
        _ = wakeRead
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in ReplSignals.raise() }
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

/// SIGWINCH for the line editor: the handler sets a flag (and passes the
/// signal on to the REPL's thread, so that its wait for a key ends);
/// the editor then takes the terminal's new size.
enum ResizeSignal {
    static let resized = Atomic<Bool>(false)
    /// The REPL's thread, set before the handler is installed.
    nonisolated(unsafe) static var editorThread: pthread_t?

    static func take() -> Bool {
        resized.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// Installs the handler without SA_RESTART, so a blocked read or poll returns EINTR.
    static func install() {
        _ = resized.load(ordering: .relaxed)  // initialize before the handler can run
        editorThread = pthread_self()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            // Another thread may get it; the editor's own wait must end.
            if !ResizeSignal.resized.exchange(true, ordering: .acquiringAndReleasing),
                let thread = ResizeSignal.editorThread, pthread_equal(thread, pthread_self()) == 0
            {
                pthread_kill(thread, SIGWINCH)
            }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGWINCH, &action, nil)
    }
}
