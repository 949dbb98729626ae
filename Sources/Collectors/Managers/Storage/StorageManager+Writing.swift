import CollectorValues

/// Writing a batch to its backends, in submission order.
extension StorageManager {
    /// Chains a write after the previous one, so batches reach backends in order.
    func enqueueWrite(_ batch: [Record]) -> Task<Void, Never> {
        let previous = writeChain
        let task = Task {
            await previous?.value
            await self.write(batch)
        }
        writeChain = task
        return task
    }

    /// Runs `body` in the write order: after every write enqueued so far, before any enqueued later.
    func inWriteOrder<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
        let previous = writeChain
        let task = Task {
            await previous?.value
            return await body()
        }
        writeChain = Task { _ = await task.value }
        return await task.value
    }

    /// How one backend's share of a batch ended.
    enum Outcome: Sendable {
        /// Written: `stored` new, `skipped` stored before (same record id).
        case stored(stored: Int, skipped: Int)
        /// In the spool, because of `reason`; `failure` is the backend's, if it failed.
        case spooled(reason: String, failure: ErrorInfo?)
        case failed(ErrorInfo)
        /// The batch was refused for what some of its records hold: stored one
        /// by one, `stored` of them went in and `failures` did not.
        case split(stored: Int, skipped: Int, failures: [(record: Record, error: ErrorInfo)])
    }

    /// Why a batch goes to the spool without being tried.
    enum Bypass {
        case behindOthers
        case cutShort
    }

    /// Writes one batch: each backend's share concurrently, then what each
    /// share's outcome means (counts, events, the spool, dead letters), then
    /// the acknowledgement when every share is stored or spooled.
    func write(_ batch: [Record]) async {
        stats.batches += 1
        let (batch, fencedOut) = await fenceOff(batch)
        let parts = route(batch)
        for (backend, records) in parts where !records.isEmpty {
            stats.routed[backend.id, default: 0] += records.count
            series[backend.id]?.routed.increment(by: records.count)
        }
        let outcomes = await withTaskGroup(of: (String, Outcome).self) { group in
            for (backend, records) in parts where !records.isEmpty {
                let id = backend.id
                let direct = !spooling.contains(id)
                guard direct, !deadline.isExpired else {
                    let bypass = direct ? Bypass.cutShort : .behindOthers
                    group.addTask { (id, await self.toSpool(records, backendID: id, bypass: bypass)) }
                    continue
                }
                group.addTask { (id, await self.store(records, in: backend)) }
            }
            var outcomes: [(String, Outcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        var allStored = true
        for (id, outcome) in outcomes {
            let records = parts.first { $0.backend.id == id }?.records ?? []
            if await !settle(outcome, of: records, backendID: id) { allStored = false }
        }
        for (id, _) in outcomes { updateUp(id) }
        if allStored, !fencedOut { acknowledge(batch) }
    }

    /// One backend's share of a batch, with retries, under the drain
    /// deadline: stored, refused record by record, or to the spool.
    nonisolated func store(_ records: [Record], in backend: any StorageBackend) async -> Outcome {
        let id = backend.id
        let (policy, clock, deadline, measured) = (configuration.retryPolicy, clock, deadline, series[id])
        let started: ContinuousClock.Instant? = measured == nil ? nil : .now
        let result = await deadline.race { () async -> Result<StoredBatch, ErrorInfo> in
            do {
                return .success(
                    try await withRetry(
                        policy, clock: clock, layer: .storage, name: "store",
                        shouldRetry: { await self.consult($0, backendID: id, count: records.count) },
                        onRetry: { await self.retrying($0, backendID: id) }
                    ) { try await backend.store(records: records) })
            } catch {
                return .failure(
                    ErrorInfo(
                        from: error, type: .storage, layer: .storage, operation: "store",
                        details: ["backend_id": .string(id), "count": .integer(Int64(records.count))]))
            }
        }
        if let started { measured?.duration.observe(.now - started) }
        switch result {
        case .some(.success(let written)):
            return .stored(stored: written.count, skipped: written.skipped)
        case .some(.failure(let error)):
            guard Self.spoolable(error) else {
                // A record the backend refuses (a value its column cannot hold)
                // fails alone: the others of its batch are stored.
                guard records.count > 1 else { return .failed(error) }
                return await Self.storeOneByOne(records, in: backend, deadline: deadline)
            }
            return await toSpool(records, backendID: id, failure: error)
        case .none:
            return await toSpool(records, backendID: id, bypass: .cutShort)
        }
    }

    /// Counts and reports how a backend's share ended; `false` when some of
    /// its records are neither stored nor spooled.
    func settle(_ outcome: Outcome, of records: [Record], backendID id: String) async -> Bool {
        switch outcome {
        case .stored(let stored, let skipped):
            countStored(id, stored: stored, skipped: skipped)
            failing.remove(id)
            emitter?.emit(
                .storageComplete, source: id,
                data: ["backend_id": .string(id), "count": .integer(Int64(stored))])
            return true
        case .spooled(let reason, let failure):
            if let failure { backendFailed(id, error: failure) }
            spooled(records.count, backendID: id, reason: reason)
            return true
        case .failed(let error):
            backendFailed(id, error: error)
            stats.failed[id, default: 0] += records.count
            series[id]?.failed.increment(by: records.count)
            if deadline.isExpired { stats.unstoredAtDeadline += records.count }
            await deadLetter(records, error: error)
            return false
        case .split(let stored, let skipped, let failures):
            for failure in failures { _ = await consult(failure.error, backendID: id, count: 1) }
            countStored(id, stored: stored, skipped: skipped)
            if stored > 0 {
                emitter?.emit(
                    .storageComplete, source: id,
                    data: ["backend_id": .string(id), "count": .integer(Int64(stored))])
            }
            guard let first = failures.first else { return true }
            backendFailed(id, error: first.error)
            stats.failed[id, default: 0] += failures.count
            series[id]?.failed.increment(by: failures.count)
            for failure in failures { await deadLetter([failure.record], error: failure.error) }
            return false
        }
    }

    /// Stores each record in a batch of its own (after the backend refused
    /// the whole batch for what it holds): which records go in, and why each
    /// other one does not. Ids make a record stored before harmless to store
    /// again. Past the drain deadline, the rest fail with the batch's error.
    static func storeOneByOne(
        _ records: [Record], in backend: any StorageBackend, deadline: DrainDeadline
    ) async -> Outcome {
        var stored = 0, skipped = 0
        var failures: [(record: Record, error: ErrorInfo)] = []
        for record in records {
            do {
                guard !deadline.isExpired else { throw cutShortError(backendID: backend.id, count: 1) }
                let written = try await backend.store(records: [record])
                stored += written.count
                skipped += written.skipped
            } catch {
                var info = ErrorInfo(
                    from: error, type: .storage, layer: .storage, operation: "store",
                    details: ["backend_id": .string(backend.id), "count": 1])
                info.details["sequence"] = .integer(Int64(bitPattern: record.sequence))
                info.details["source_id"] = .string(record.sourceID)
                failures.append((record, info))
            }
        }
        // Each refused record's error says what became of the rest of its batch.
        let note = " (stored record by record after its batch of \(records.count) was refused: \(stored + skipped) of \(records.count) stored)"
        for index in failures.indices { failures[index].error.message += note }
        return .split(stored: stored, skipped: skipped, failures: failures)
    }
}
