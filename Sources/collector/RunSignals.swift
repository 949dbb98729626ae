import CollectorScripting
import Dispatch
import Foundation
import LuaRuntime

/// Signals while `collector run` works. SIGINT: while pipelines run, stop
/// them gracefully (sources stop; records in flight are processed and
/// stored); otherwise interrupt the running Lua code. A second SIGINT before
/// the first is done exits at once. SIGTERM: stop gracefully, always.
/// SIGUSR1 (with `--watch --shadow` only): promote the shadow runs.
final class RunSignals {
    private var sources: [any DispatchSourceSignal]
    private let promotes: Bool

    init(interrupt: LuaInterruptHandle, bindings: ScriptBindings, promotes: Bool = false) {
        let count = SignalCount()
        let stopper = bindings.stopper
        let running = RunningProbe(bindings)
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if number == SIGINT, count.increment() > 1 { exit(130) }
                stopper.stop()
                if !running.value { interrupt.interrupt() }
            }
            source.resume()
            return source
        }
        self.promotes = promotes
        if promotes {
            let probe = RunningProbe(bindings)
            signal(SIGUSR1, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .global())
            source.setEventHandler {
                guard let shadows = probe.shadowWatch else { return }
                Task { await shadows.promote() }
            }
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        if promotes { signal(SIGUSR1, SIG_DFL) }
    }
}

/// Whether pipelines run, readable from the signal queue.
private struct RunningProbe: @unchecked Sendable {
    // @unchecked: reads a flag that ScriptBindings guards with a lock.
    let bindings: ScriptBindings
    init(_ bindings: ScriptBindings) { self.bindings = bindings }
    var value: Bool { bindings.isRunningPipelines }
    var shadowWatch: ShadowWatch? { bindings.shadowWatch }
}

private final class SignalCount: @unchecked Sendable {
    // @unchecked: only touched from the signal sources' handlers, under the lock.
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
