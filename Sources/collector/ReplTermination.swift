import CollectorScripting
import Dispatch
import Foundation
import Synchronization

/// SIGTERM in the REPL (`kill`, systemd, a container stop): as `collector
/// run` does, the running pipelines stop gracefully; the session then ends
/// as with Ctrl-D (drain, summaries, history saved), exit status 0. A
/// blocking call waiting then (`p:wait()`) is ended, and so is the prompt.
final class ReplTermination: @unchecked Sendable {
    // @unchecked: `source` is set once, in init; `requested` is atomic.
    private let requested = Atomic<Bool>(false)
    private let source: any DispatchSourceSignal

    var isRequested: Bool { requested.load(ordering: .acquiring) }

    init(bindings: ScriptBindings) {
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        let stopper = bindings.stopper
        let loop = bindings.loop
        // The REPL's own thread (this one): a signal to it ends a read that blocks (piped input).
        let replThread = pthread_self()
        self.source = source
        source.setEventHandler { [self] in
            requested.store(true, ordering: .releasing)
            stopper.stop()
            // A wait under way (for a pipeline, for piped input) ends now.
            if loop.interrupt() { return }
            // Otherwise seen as a Ctrl-C: by the interrupt watcher while a line
            // runs, by the line editor (woken through the loop's pipe and a
            // signal to the REPL's thread) at the prompt.
            ReplSignals.raise()
            loop.wakeHost()
            pthread_kill(replThread, SIGINT)
        }
        source.resume()
    }

    func cancel() {
        source.cancel()
        signal(SIGTERM, SIG_DFL)
    }
}
