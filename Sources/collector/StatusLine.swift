import CollectorScripting
import Foundation

/// On a terminal, one line on standard error while pipelines run — records
/// in, out, dropped, failed, and the rate — refreshed four times a second,
/// and cleared at the end (the summary follows on standard output).
final class StatusLine: @unchecked Sendable {
    // @unchecked: `task` is set once on the main thread and cancelled from it.
    private var task: Task<Void, Never>?

    init(bindings: ScriptBindings, enabled: Bool) {
        guard enabled else { return }
        let probe = BindingsProbe(bindings: bindings)
        task = Task.detached {
            var last: (time: ContinuousClock.Instant, input: Int)?
            var shown = false
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                guard probe.bindings.isRunningPipelines else {
                    if shown { Self.write("\r\u{1B}[K") }
                    shown = false
                    last = nil
                    continue
                }
                let totals = await probe.bindings.liveTotals()
                let now = ContinuousClock.now
                var rate = 0.0
                if let last, now > last.time {
                    let seconds = Double((now - last.time).components.attoseconds) * 1e-18 + Double((now - last.time).components.seconds)
                    rate = Double(totals.input - last.input) / seconds
                }
                last = (now, totals.input)
                Self.write(
                    "\r\u{1B}[K\(totals.input) in, \(totals.output) out, \(totals.dropped) dropped, \(totals.failed) failed, \(Int(rate.rounded()))/s")
                shown = true
            }
            if shown { Self.write("\r\u{1B}[K") }
        }
    }

    /// Stops refreshing and clears the line.
    func stop() {
        task?.cancel()
        task = nil
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

private struct BindingsProbe: @unchecked Sendable {
    // @unchecked: only reads what ScriptBindings guards with locks (the running flag, live totals).
    let bindings: ScriptBindings
}
