import CollectorValues

extension StorageManager {
    /// Cluster mode: before each batch is written, `check` gets the batch's
    /// source ids and returns those whose lease this process no longer
    /// holds under the token it collected with (each with why). Their
    /// records are not written: another process holds the source now and
    /// stores what it collects; they fail (counted as refused by each backend
    /// they were routed to) and go to the dead letters with the reason.
    public func fence(with check: @escaping @Sendable (Set<String>) async -> [String: String]) {
        fence = check
    }

    /// The batch without the records of fenced-off sources (those are
    /// settled as failed here), and whether any were taken out.
    func fenceOff(_ batch: [Record]) async -> (kept: [Record], fencedOut: Bool) {
        guard let fence, !batch.isEmpty else { return (batch, false) }
        let refused = await fence(Set(batch.map(\.sourceID)))
        guard !refused.isEmpty else { return (batch, false) }
        var kept: [Record] = []
        var out: [String: [Record]] = [:]
        for record in batch {
            if refused[record.sourceID] != nil { out[record.sourceID, default: []].append(record) } else { kept.append(record) }
        }
        for (source, records) in out.sorted(by: { $0.key < $1.key }) {
            for (backend, share) in route(records) where !share.isEmpty {
                stats.routed[backend.id, default: 0] += share.count
                series[backend.id]?.routed.increment(by: share.count)
                let error = ErrorInfo(
                    .storage, layer: .storage, operation: "fence",
                    message: "not stored: this process no longer holds the lease of source '\(source)' (\(refused[source] ?? "lost")); the process that holds it now collects and stores the source",
                    details: ["backend_id": .string(backend.id), "source_id": .string(source), "count": .integer(Int64(share.count))])
                _ = await settle(.failed(error), of: share, backendID: backend.id)
            }
        }
        return (kept, true)
    }
}
