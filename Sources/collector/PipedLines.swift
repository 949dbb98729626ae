import Collectors
import Dispatch
import Foundation

/// The lines of the REPL's piped input, read one at a time on a thread of
/// their own when asked for, so that the REPL's thread can wait for the
/// next one in its script loop (where the pipelines' functions run and
/// SIGTERM ends a wait) rather than in a read it cannot leave. Nothing is
/// read ahead: a line that reads standard input itself gets what follows it.
final class PipedLines: Sendable {
    private let lines = Mailbox<String?>()
    private let wanted = DispatchSemaphore(value: 0)

    init() {
        let lines = self.lines
        let wanted = self.wanted
        let reader = Thread {
            while true {
                wanted.wait()
                let line = readLine(strippingNewline: true)
                lines.push(line)
                if line == nil { return }
            }
        }
        reader.name = "repl input"
        reader.start()
    }

    /// The next line; `.some(nil)` at the end of the input; nil when the waiting task is cancelled.
    func next() async -> String?? {
        wanted.signal()
        return await lines.next()
    }
}
