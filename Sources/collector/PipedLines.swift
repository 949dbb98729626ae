import CEditLine
import Collectors
import Dispatch
import Foundation

/// The lines of the REPL's piped input, read one at a time on a thread of
/// their own when asked for, so that the REPL's thread can wait for the
/// next one in its script loop (where the pipelines' functions run and
/// SIGTERM ends a wait) rather than in a read it cannot leave. Nothing is
/// read ahead: a line that reads standard input itself gets what follows it.
final class PipedLines: Sendable {
    private let lines = Mailbox<[UInt8]?>()
    private let wanted = DispatchSemaphore(value: 0)

    init() {
        let lines = self.lines
        let wanted = self.wanted
        let reader = Thread {
            while true {
                wanted.wait()
                let line = Self.readLine()
                lines.push(line)
                if line == nil { return }
            }
        }
        reader.name = "repl input"
        reader.start()
    }

    /// The next line; `.some(nil)` at the end of the input; nil when the waiting task is cancelled.
    func next() async -> [UInt8]?? {
        wanted.signal()
        return await lines.next()
    }

    /// One line of standard input as its bytes, without its line end: Lua
    /// strings are bytes, so nothing is decoded (`readLine` would replace
    /// what is not UTF-8). Read through C's `stdin`, as Lua's `io.read` is.
    private static func readLine() -> [UInt8]? {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        let count = getline(&buffer, &capacity, cel_stdin())
        guard count >= 0, let buffer else { return nil }
        var line = Array(UnsafeRawBufferPointer(start: buffer, count: count))
        if line.last == UInt8(ascii: "\n") { line.removeLast() }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }
}
