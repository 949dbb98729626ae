import Dispatch
import Foundation
import LuaRuntime

/// Turns SIGINT (Ctrl-C) into an interrupt of the running Lua call; a second
/// Ctrl-C while the first is still pending exits at once.
final class InterruptForwarder {
    private let source: any DispatchSourceSignal

    init(_ handle: LuaInterruptHandle) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let pending = PendingFlag()
        source.setEventHandler {
            if pending.testAndSet() { exit(130) }
            handle.interrupt()
        }
        source.resume()
        self.source = source
    }

    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

private final class PendingFlag: @unchecked Sendable {
    // @unchecked: only touched from the signal source's handler, which runs serially.
    private var isSet = false
    func testAndSet() -> Bool {
        defer { isSet = true }
        return isSet
    }
}
