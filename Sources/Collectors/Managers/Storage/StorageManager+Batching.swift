import CollectorValues

/// Records wait for a full batch, or for their age (the flush timer), or for `flush()`.
extension StorageManager {
    /// Adds records; writes every full batch and returns when those are written.
    public func submit(_ records: [Record]) async {
        guard !records.isEmpty else { return }
        stats.received += records.count
        if pending.isEmpty { pendingSince = clock.now }
        pending.append(contentsOf: records)
        var last: Task<Void, Never>?
        while pending.count >= configuration.batchSize {
            let batch = Array(pending.prefix(configuration.batchSize))
            pending.removeFirst(configuration.batchSize)
            last = enqueueWrite(batch)
        }
        if pending.isEmpty { pendingSince = nil }
        await last?.value
    }

    /// Writes whatever is waiting and returns when every write so far has finished.
    public func flush() async {
        if !pending.isEmpty {
            let batch = pending
            pending = []
            pendingSince = nil
            _ = enqueueWrite(batch)
        }
        await writeChain?.value
    }

    /// Starts flushing by age: a waiting record is written at most about `maxBatchAge` after it came.
    public func startFlushTimer() {
        guard timer == nil else { return }
        timer = Task { [clock] in
            while !Task.isCancelled {
                let wait = self.timeUntilDue()
                do { try await clock.sleep(for: wait) } catch { return }
                await self.flushIfDue()
            }
        }
    }

    /// Stops flushing by age; records still waiting are written by `flush()` or a full batch.
    public func stopFlushTimer() {
        timer?.cancel()
        timer = nil
    }

    func timeUntilDue() -> Duration {
        guard let since = pendingSince else { return configuration.maxBatchAge }
        return max(.zero, configuration.maxBatchAge - since.duration(to: clock.now))
    }

    func flushIfDue() async {
        guard let since = pendingSince, since.duration(to: clock.now) >= configuration.maxBatchAge else { return }
        await flush()
    }
}
