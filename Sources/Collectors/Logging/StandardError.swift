import Foundation
import Synchronization

/// Standard error shared by log lines and what a terminal keeps on its last
/// row: `collector run`'s status line, or the REPL's prompt with the line
/// being typed. A line written meanwhile clears that row first; the status
/// is drawn again below it, and the line editor is asked to redraw its line.
/// The lock keeps their bytes from interleaving.
public enum StandardError {
    private struct State {
        var status: String?
        var redrawEditor: (@Sendable () -> Void)?
    }

    private static let state = Mutex(State())

    /// Writes `text` (whole lines) above the status line or the prompt, if one shows.
    public static func write(_ text: String) {
        state.withLock { state in
            if let redraw = state.redrawEditor {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
                redraw()
            } else if let shown = state.status {
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + text + shown).utf8))
            } else {
                FileHandle.standardError.write(Data(text.utf8))
            }
        }
    }

    /// Shows `line` as the status (one row, no newline), or clears it (nil).
    public static func setStatus(_ line: String?) {
        state.withLock { state in
            guard line != nil || state.status != nil else { return }
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + (line ?? "")).utf8))
            state.status = line
        }
    }

    /// While a line editor reads a line: `redraw` asks it to draw its prompt
    /// and line again after a line was written over them (nil when it is done).
    public static func setLineEditor(redraw: (@Sendable () -> Void)?) {
        state.withLock { $0.redrawEditor = redraw }
    }
}
