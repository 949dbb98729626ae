import Foundation

extension ProcessingManager {
    /// Ticks the processors whose timer is due (`Processor.tick(now:)`), in
    /// processor order; what each gives goes through the processors after
    /// it. Returns what comes out of the last one. The pipeline calls it
    /// between batches, so a tick never runs during a batch.
    public func fireTimers() async -> [Record] {
        let processors = currentProcessors
        timers.update(processors.map(\.timerInterval))
        var output: [Record] = []
        for (index, time) in timers.takeDue() where index < processors.count {
            let processor = processors[index]
            output += await release(await processor.tick(now: time), of: processor, at: index)
        }
        return output
    }

    /// Up to `max` items from `queue` for processing, waiting at most until
    /// the next timer is due, or until a timer changed: nil when it stopped
    /// waiting without items (`fireTimers()` has something to do); empty
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
