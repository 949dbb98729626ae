import CollectorScripting
import Collectors
import Foundation

/// On a terminal, one line on standard error while pipelines run — records
/// in, out, dropped, failed, and the rate — refreshed four times a second,
/// and cleared at the end (the summary follows on standard output).
final class StatusLine: @unchecked Sendable {
    // @unchecked: `task` is set once on the main thread and cancelled from it.
    private var task: Task<Void, Never>?
    /// Once stopped, the refreshing task draws nothing more (it may be mid-round when stopped).
    private let stopped = Locked(false)

    init(bindings: ScriptBindings, enabled: Bool) {
        guard enabled else { return }
        let probe = BindingsProbe(bindings: bindings)
        task = Task.detached { [stopped] in
            func show(_ line: String?) { stopped.withLock { if !$0 { StandardError.setStatus(line) } } }
            var last: (time: ContinuousClock.Instant, input: Int)?
            var shown = false
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                guard probe.bindings.isRunningPipelines else {
                    if shown { show(nil) }
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
                show(
                    "\(totals.input) in, \(totals.output) out, \(totals.dropped) dropped, \(totals.failed) failed, \(Int(rate.rounded()))/s")
                shown = true
            }
            if shown { show(nil) }
        }
    }

    /// Stops refreshing and clears the line.
    func stop() {
        task?.cancel()
        task = nil
        stopped.withLock { stopped in
            stopped = true
            StandardError.setStatus(nil)
        }
    }
}

private struct BindingsProbe: @unchecked Sendable {
    // @unchecked: only reads what ScriptBindings guards with locks (the running flag, live totals).
    let bindings: ScriptBindings
}
