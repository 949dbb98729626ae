import Foundation

extension ProcessingManager {
    /// The processors' timers that are due (`Processor.tick(now:)`), for the
    /// first half of processing to call between two of its batches: nil when
    /// none is. The first processor's tick runs now (that half is the one
    /// running that processor's batches); what it gives, and the later
    /// processors' ticks, go to `complete(_:)` as a batch of their own,
    /// which runs the ticks between two batches of the second half. So a
    /// tick never runs during a batch of its processor, and what it gives
    /// goes through the processors after it in order with the records.
    public func beginTimers() async -> StagedBatch? {
        let processors = currentProcessors
        timers.update(processors.map(\.timerInterval))
        let due = timers.takeDue()
        guard !due.isEmpty else { return nil }
        var staged = StagedBatch(records: [], rest: processors.dropFirst(), input: 0)
        staged.ticks = due.filter { $0.index > 0 }
        if let first = due.first(where: { $0.index == 0 }), let processor = processors.first {
            let results = await processor.tick(now: first.time)
            if !recordings.isEmpty { feedRecordings(processor: 0, now: first.time, results) }
            (staged.records, staged.failed) = await gather(results, of: processor)
        }
        return staged
    }

    /// The second half of a batch of timers: what the first processor's
    /// tick gave goes through the others, then each later processor ticks
    /// and what it gives goes through those after it, in processor order.
    func completeTimers(_ staged: StagedBatch, _ ticks: [DueTick]) async -> [Record] {
        var output = await pass(staged.records, through: staged.rest, failed: staged.failed)
        for tick in ticks where staged.rest.indices.contains(tick.index) {
            let processor = staged.rest[tick.index]
            let results = await processor.tick(now: tick.time)
            if !recordings.isEmpty { feedRecordings(processor: tick.index, now: tick.time, results) }
            output += await release(results, of: processor, then: staged.rest[(tick.index + 1)...])
        }
        return output
    }

    /// Up to `max` items from `queue` for processing, waiting at most until
    /// the next timer is due, or until a timer changed: nil when it stopped
    /// waiting without items (`beginTimers()` has something to do); empty
    /// once the queue is finished and drained.
    nonisolated func receive(upTo max: Int, from queue: BoundedQueue<CollectedData>) async -> [CollectedData]? {
        // Items waiting (or the end) need no race: under load this costs nothing.
        if queue.count > 0 || queue.isFinished { return await queue.receive(upTo: max) }
        let (deadline, clock) = await (timers.nextDue, timers.clock)
        enum Outcome: Sendable {
            case items([CollectedData])
            case woken
        }
        let changes = timerChanges
        return await withTaskGroup(of: Outcome.self) { group in
            group.addTask { .items(await queue.receive(upTo: max)) }
            group.addTask {
                _ = await changes.next()
                return .woken
            }
            if let deadline {
                group.addTask {
                    try? await clock.sleep(until: deadline, tolerance: nil)
                    return .woken
                }
            }
            let first = await group.next()
            group.cancelAll()
            // A receive cancelled after it was handed items still returns them: none is lost.
            var items: [CollectedData]?
            if case .items(let taken)? = first { items = taken }
            while let outcome = await group.next() {
                if case .items(let taken) = outcome, !taken.isEmpty { items = taken }
            }
            return items.flatMap { $0.isEmpty && !queue.isFinished ? nil : $0 }
        }
    }

    /// Wakes a waiting stage whenever `processor`'s timer interval changes.
    nonisolated func observeTimer(of processor: any Processor) {
        let changes = timerChanges
        processor.observeTimer { changes.push(()) }
    }
}
