import CollectorValues

/// Where a backend's batches wait while it cannot take them.
extension StorageManager {
    /// Looks in the spool for records an earlier run left for these backends:
    /// their backends' batches go behind them, and their replay starts. Call it
    /// once the backends are connected, before the first write.
    /// - Throws: the spool's error when it cannot be read (a damaged file).
    public func openSpool() async throws {
        guard let spool else { return }
        let held = try await spool.depths()
        let ours = Set(backends.map { queue(for: $0.id) })
        for backend in backends {
            let count = held[queue(for: backend.id)] ?? 0
            setDepth(backend.id, count)
            if count > 0 {
                spooling.insert(backend.id)
                startReplayer(backend.id)
            }
        }
        // Records of a backend this pipeline no longer has stay where they are: say so.
        let prefix = spoolNamespace.isEmpty ? "" : spoolNamespace + "/"
        for (name, count) in held.sorted(by: { $0.key < $1.key }) where name.hasPrefix(prefix) && !ours.contains(name) {
            _ = await errorHandler.handle(
                ErrorInfo(
                    .configuration, layer: .storage, operation: "spool",
                    message: "the spool holds \(count) records for '\(name)', which is not a backend of this pipeline: they stay there",
                    details: ["queue": .string(name), "count": .integer(Int64(count))]))
        }
    }

    /// Waits until every backend's records are out of the spool, or the drain
    /// deadline has passed (`cutShort()`); what is left stays for the next run.
    public func drainSpool() async {
        while let (id, replayer) = replayers.first {
            await replayer.value
            if replayers[id] == replayer { replayers[id] = nil }
        }
    }

    /// The drain deadline has passed: writes and replays in progress are no
    /// longer waited for, and every batch from now on (those cut short
    /// included) goes to the spool (or, without one, to the dead-letter sink).
    public func cutShort() {
        deadline.expire()
    }

    func queue(for backendID: String) -> String {
        spoolNamespace.isEmpty ? backendID : "\(spoolNamespace)/\(backendID)"
    }

    func setDepth(_ id: String, _ value: Int) {
        depth[id] = max(0, value)
        spoolSeries[id]?.depth.set(Double(max(0, value)))
    }

    /// Whether a batch that failed with `error` may wait in the spool: not
    /// when the records themselves are wrong, which no later try would change.
    static func spoolable(_ error: ErrorInfo) -> Bool {
        error.type != .validation
    }

    /// Whether a batch of several records that failed with `error` is stored
    /// again one record at a time (the backend refused what a record holds).
    static func splits(_ error: ErrorInfo) -> Bool { !spoolable(error) }

    /// Counts records the spool took for a backend; from then on its
    /// batches go there too, behind them, until its replayer empties it.
    func spooled(_ count: Int, backendID id: String, reason: String) {
        stats.spooled[id, default: 0] += count
        spoolSeries[id]?.spooled.increment(by: count)
        setDepth(id, (depth[id] ?? 0) + count)
        emitter?.emit(
            .spooled, source: id,
            data: [
                "backend_id": .string(id), "count": .integer(Int64(count)),
                "depth": .integer(Int64(depth[id] ?? 0)),
                "reason": .string(reason),
            ])
        if !spooling.contains(id) {
            spooling.insert(id)
            startReplayer(id)
        }
    }

    /// Appends a batch the backend failed to the spool; without one, or when
    /// it cannot take them, the records fail with why.
    func toSpool(_ records: [Record], backendID id: String, failure: ErrorInfo) async -> Outcome {
        await toSpool(records, backendID: id, reason: failure.message, failure: failure)
    }

    /// Appends a batch that was not tried to the spool.
    func toSpool(_ records: [Record], backendID id: String, bypass: Bypass) async -> Outcome {
        switch bypass {
        case .behindOthers:
            return await toSpool(records, backendID: id, reason: "older records of this backend are in the spool", failure: nil)
        case .cutShort:
            let error = Self.cutShortError(backendID: id, count: records.count)
            return await toSpool(records, backendID: id, reason: error.message, failure: spool == nil ? error : nil)
        }
    }

    func toSpool(_ records: [Record], backendID id: String, reason: String, failure: ErrorInfo?) async -> Outcome {
        guard let spool else {
            return .failed(failure ?? Self.cutShortError(backendID: id, count: records.count))
        }
        do {
            try await spool.append(records, to: queue(for: id))
            return .spooled(reason: reason, failure: failure)
        } catch {
            var info = ErrorInfo(
                from: error, type: .storage, layer: .storage, operation: "spool",
                details: ["backend_id": .string(id), "count": .integer(Int64(records.count))])
            info.message += " (\(reason))"
            spoolSeries[id]?.rejected.increment(by: records.count)
            emitter?.emit(.spoolFull, source: id, data: info.object)
            _ = await errorHandler.handle(info)
            return .failed(info)
        }
    }

    static func cutShortError(backendID: String, count: Int) -> ErrorInfo {
        ErrorInfo(
            .timeout, layer: .storage, operation: "store",
            message: "the drain deadline passed before backend '\(backendID)' stored \(count) records",
            details: ["backend_id": .string(backendID), "count": .integer(Int64(count))], isRetryable: true)
    }
}
