import CollectorScripting
import Dispatch
import Foundation

/// While pipelines run: SIGINT or SIGTERM stops them gracefully (sources
/// stop, records in flight are processed and stored); a second SIGINT exits at once.
final class PipelineSignals {
    private let sources: [any DispatchSourceSignal]

    init(_ stopper: PipelineStopper) {
        let count = SignalCount()
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if number == SIGINT, count.increment() > 1 { exit(130) }
                stopper.stop()
            }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
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
