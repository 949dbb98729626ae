import Foundation

/// A value behind an `NSLock`, for state shared between a source's actor and
/// the callback or dispatch thread that feeds it.
///
/// `@unchecked Sendable`: every access to `state` goes through `withLock`,
/// which holds `lock`; that is what guards it.
final class SourceLock<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    init(_ state: State) { self.state = state }

    func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
