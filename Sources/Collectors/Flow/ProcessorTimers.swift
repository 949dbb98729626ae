import Foundation

/// When each processor's timer (`Processor.timerInterval`) is next due. The
/// processing stage fires the due ones between batches and, while it waits
/// for items, waits no later than the next one.
///
/// A timer keeps its rhythm while its interval stays the same (a reload that
/// changes only what the tick does neither fires it twice nor skips it); a
/// new or changed interval starts over from the moment it is seen.
struct ProcessorTimers: Sendable {
    private struct Entry: Sendable {
        var interval: Duration
        var due: AnyClock.Instant
    }

    let clock: AnyClock
    /// A clock instant and the wall time then: a due instant's date is
    /// computed from them, so that a test clock gives dates that move with it.
    private let origin: (instant: AnyClock.Instant, date: Date)
    /// By processor place; nil for a processor without a timer.
    private var entries: [Entry?] = []

    init(clock: AnyClock) {
        self.clock = clock
        origin = (clock.now, Date())
    }

    /// Takes the intervals the processors have now, in processor order.
    mutating func update(_ intervals: [Duration?]) {
        let now = clock.now
        entries = intervals.enumerated().map { index, interval in
            guard let interval, interval > .zero else { return nil }
            if index < entries.count, let entry = entries[index], entry.interval == interval { return entry }
            return Entry(interval: interval, due: now.advanced(by: interval))
        }
    }

    /// The earliest instant a timer is due; nil without timers.
    var nextDue: AnyClock.Instant? { entries.compactMap { $0?.due }.min() }

    /// The timers due now, in processor order, each with the time it was due;
    /// their next time is one interval later. A timer that could not fire
    /// for longer than its interval (a long batch, storage holding the
    /// pipeline back) fires once, with the latest time it was due: ticks
    /// missed meanwhile are not made up, so a pipeline that was held back
    /// does not then run a burst of them.
    mutating func takeDue() -> [DueTick] {
        let now = clock.now
        var due: [DueTick] = []
        for index in entries.indices {
            guard var entry = entries[index], entry.due <= now else { continue }
            let missed = Self.nanoseconds(entry.due.duration(to: now)) / max(1, Self.nanoseconds(entry.interval))
            entry.due = entry.due.advanced(by: entry.interval * missed)
            due.append(DueTick(index: index, time: date(of: entry.due)))
            entry.due = entry.due.advanced(by: entry.interval)
            entries[index] = entry
        }
        return due
    }

    private func date(of instant: AnyClock.Instant) -> Date {
        origin.date.addingTimeInterval(durationSeconds(origin.instant.duration(to: instant)))
    }

    /// Whole nanoseconds: integer arithmetic, so that a tick exactly on time
    /// is not missed by a rounding.
    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A processor's tick that is due: the processor's place, and the time it was due.
struct DueTick: Sendable {
    var index: Int
    var time: Date
}
