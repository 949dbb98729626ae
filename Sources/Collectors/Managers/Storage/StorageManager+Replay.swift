import CollectorValues

/// Putting what the spool holds into its backend, once the backend takes it.
extension StorageManager {
    /// How one replay step ended.
    enum ReplayStep: Sendable {
        /// Records went in (or, refused for good, to the dead-letter sink): there may be more.
        case progressed
        /// The backend's queue is empty.
        case empty
        case failed
        /// The backend is gone for good (a critical error, e.g. a closed
        /// pipe): trying again cannot help, what is spooled stays for the next run.
        case gone
    }

    func startReplayer(_ id: String) {
        guard replayers[id] == nil, let backend = backends.first(where: { $0.id == id }) else { return }
        replayers[id] = Task { await self.replay(backend) }
    }

    /// Tries the oldest spooled records with backoff, outside the write order
    /// (new batches keep going to the spool meanwhile); once they go in,
    /// replays the rest in the write order, new batches waiting, and ends
    /// when the queue is empty there (so no batch can slip in between).
    func replay(_ backend: any StorageBackend) async {
        let id = backend.id
        var failures = 0
        while !deadline.isExpired {
            let probe = await replayStep(backend)
            if case .gone = probe { break }
            if case .failed = probe {
                failures += 1
                let delay = configuration.retryPolicy.delay(forRetry: min(failures, 30))
                await deadline.sleep(for: delay, clock: clock)
                continue
            }
            failures = 0
            let finished = await inWriteOrder { () async -> Bool in
                while true {
                    switch await self.replayStep(backend) {
                    case .progressed: continue
                    case .failed, .gone: return false
                    case .empty:
                        await self.stopSpooling(id)
                        return true
                    }
                }
            }
            if finished { break }
        }
        replayers[id] = nil
    }

    func stopSpooling(_ id: String) {
        spooling.remove(id)
        setDepth(id, 0)
    }

    /// Stores the oldest spooled records of a backend (one batch) and removes them from the spool.
    func replayStep(_ backend: any StorageBackend) async -> ReplayStep {
        guard let spool, !deadline.isExpired else { return .failed }
        let id = backend.id
        let queue = queue(for: id)
        let batch: SpooledBatch
        do {
            batch = try await spool.oldest(in: queue, limit: configuration.batchSize)
        } catch {
            _ = await errorHandler.handle(ErrorInfo(from: error, layer: .storage, operation: "spool"))
            return .failed
        }
        if batch.isEmpty { return .empty }
        let records = batch.records
        let outcome = await deadline.race { () async -> ErrorInfo? in
            do {
                _ = try await backend.store(records: records)
                return nil
            } catch {
                return ErrorInfo(
                    from: error, type: .storage, layer: .storage, operation: "replay",
                    details: ["backend_id": .string(id), "count": .integer(Int64(records.count))])
            }
        }
        guard let outcome else { return .failed }
        if let error = outcome {
            // A refused batch of several records is split below: its refused records are reported then.
            if records.count == 1 || !Self.splits(error) { _ = await errorHandler.handle(error) }
            guard !Self.spoolable(error) else {
                backendFailed(id, error: error)
                updateUp(id)
                return error.isCritical ? .gone : .failed
            }
            // Refused for good: replaying them again would block the queue
            // forever. Stored one by one, only the refused records fail.
            var failures = [(record: Record, error: ErrorInfo)]()
            if records.count > 1,
                case .split(let stored, let skipped, let refused) = await Self.storeOneByOne(
                    records, in: backend, deadline: deadline)
            {
                stats.replayed[id, default: 0] += stored + skipped
                spoolSeries[id]?.replayed.increment(by: stored + skipped)
                failures = refused
                for failure in refused { _ = await errorHandler.handle(failure.error) }
            } else {
                failures = records.map { ($0, error) }
            }
            stats.failed[id, default: 0] += failures.count
            stats.failedInReplay[id, default: 0] += failures.count
            series[id]?.failed.increment(by: failures.count)
            for failure in failures { await deadLetter([failure.record], error: failure.error) }
        } else {
            stats.replayed[id, default: 0] += records.count
            spoolSeries[id]?.replayed.increment(by: records.count)
            failing.remove(id)
            updateUp(id)
        }
        do {
            try await spool.remove(through: batch.mark, from: queue)
        } catch {
            _ = await errorHandler.handle(ErrorInfo(from: error, layer: .storage, operation: "spool"))
            return .failed
        }
        setDepth(id, (depth[id] ?? 0) - records.count)
        if outcome == nil {
            emitter?.emit(
                .replayed, source: id,
                data: [
                    "backend_id": .string(id), "count": .integer(Int64(records.count)),
                    "depth": .integer(Int64(depth[id] ?? 0)),
                ])
        }
        return .progressed
    }
}
