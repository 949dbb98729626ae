import Foundation

/// Where tasks wait for sockets: one thread of its own, blocked in `poll(2)`
/// on every socket some task is waiting for, resumes each waiting task when
/// its socket is ready or its deadline has passed.
///
/// Sockets are non-blocking; a task reads and writes them itself and comes
/// here only when they would block. Waiting costs no thread per
/// connection, and neither Swift's cooperative pool nor Dispatch's workers
/// ever block on the network.
package final class PollLoop: Sendable {
    package enum Interest: Sendable {
        case read, write
    }

    package enum Outcome: Sendable {
        /// The socket is ready (or failed: the next read or write says how).
        case ready
        case timedOut
        case cancelled
    }

    /// The process's loop, started on first use.
    package static let shared = PollLoop()

    /// One waiting task. `@unchecked Sendable`: its mutable fields are only
    /// touched under the loop's lock.
    private final class Waiter: @unchecked Sendable {
        let fd: Int32
        let events: Int16
        let deadline: ContinuousClock.Instant?
        var continuation: CheckedContinuation<Outcome, Never>?
        var cancelled = false

        init(fd: Int32, events: Int16, deadline: ContinuousClock.Instant?) {
            self.fd = fd
            self.events = events
            self.deadline = deadline
        }
    }

    private struct State {
        var waiters: [ObjectIdentifier: Waiter] = [:]
        /// The loop is in `poll` with the set it built: a new waiter must wake it.
        var polling = false
        var wakePending = false
    }

    private let state = Locked(State())
    /// A pipe whose read end is always in the poll set: a byte written wakes the loop.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private init() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { fatalError("PollLoop: cannot create its wake-up pipe: \(String(cString: strerror(errno)))") }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        let thread = Thread { [self] in run() }
        thread.name = "collector-poll"
        thread.start()
    }

    /// Waits until `fd` is ready for `interest`, `deadline` passes (`nil`:
    /// never), or the task is cancelled. `fd` -1 waits for the deadline only.
    package nonisolated(nonsending) func wait(
        for interest: Interest, on fd: Int32, until deadline: ContinuousClock.Instant?
    ) async -> Outcome {
        let waiter = Waiter(fd: fd, events: Int16(interest == .read ? POLLIN : POLLOUT), deadline: deadline)
        let key = ObjectIdentifier(waiter)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let wake = state.withLock { state -> Bool? in
                    if waiter.cancelled { return nil }
                    waiter.continuation = continuation
                    state.waiters[key] = waiter
                    guard state.polling, !state.wakePending else { return false }
                    state.wakePending = true
                    return true
                }
                switch wake {
                case nil: continuation.resume(returning: .cancelled)
                case true?: wakeUp()
                case false?: break
                }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
                waiter.cancelled = true
                state.waiters[key] = nil
                defer { waiter.continuation = nil }
                return waiter.continuation
            }
            continuation?.resume(returning: .cancelled)
        }
    }

    private func wakeUp() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func run() {
        var fds: [pollfd] = []
        var owners: [Waiter?] = []
        var resumed: [(CheckedContinuation<Outcome, Never>, Outcome)] = []
        while true {
            let now = ContinuousClock.now
            fds.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            owners.append(nil)
            let timeout = state.withLock { state -> Int32 in
                var earliest: ContinuousClock.Instant?
                for (key, waiter) in state.waiters {
                    if let deadline = waiter.deadline {
                        if deadline <= now {
                            state.waiters[key] = nil
                            if let continuation = waiter.continuation { resumed.append((continuation, .timedOut)) }
                            waiter.continuation = nil
                            continue
                        }
                        earliest = min(earliest ?? deadline, deadline)
                    }
                    fds.append(pollfd(fd: waiter.fd, events: waiter.events, revents: 0))
                    owners.append(waiter)
                }
                state.polling = true
                state.wakePending = false
                return Self.milliseconds(from: now, to: earliest)
            }
            resume(&resumed)
            let count = poll(&fds, nfds_t(fds.count), timeout)
            state.withLock { state in
                state.polling = false
                guard count > 0 else { return }
                for index in 1..<fds.count where fds[index].revents != 0 {
                    // Only waiters still registered: one cancelled meanwhile has been resumed already.
                    guard let waiter = owners[index], state.waiters.removeValue(forKey: ObjectIdentifier(waiter)) != nil,
                        let continuation = waiter.continuation
                    else { continue }
                    waiter.continuation = nil
                    resumed.append((continuation, .ready))
                }
            }
            if count > 0, fds[0].revents != 0 { drainWakeUps() }
            resume(&resumed)
        }
    }

    private func resume(_ resumed: inout [(CheckedContinuation<Outcome, Never>, Outcome)]) {
        for (continuation, outcome) in resumed { continuation.resume(returning: outcome) }
        resumed.removeAll(keepingCapacity: true)
    }

    private func drainWakeUps() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &bytes, bytes.count) > 0 {}
    }

    /// `poll`'s timeout until `deadline`, rounded up so the loop never wakes
    /// just before it and spins; -1 (forever) without one.
    private static func milliseconds(from now: ContinuousClock.Instant, to deadline: ContinuousClock.Instant?) -> Int32 {
        guard let deadline else { return -1 }
        let left = now.duration(to: deadline).components
        let ms = left.seconds * 1000 + (left.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(0, ms))
    }
}
