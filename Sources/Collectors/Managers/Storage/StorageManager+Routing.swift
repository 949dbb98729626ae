import CollectorValues

/// Which backends get which records of a batch: all, those of the outputs
/// a record's `route` names, or those the `Router` picks.
extension StorageManager {
    /// Picks the backends (by id) for a record; `nil` means all of them, an empty set none.
    public typealias Router = @Sendable (Record) -> Set<String>?

    /// The ids of the backends `record` goes to, in backend order: all of
    /// them, or those the router picks (none when it picks an empty set).
    public func backendIDs(for record: Record) -> [String] {
        if let outputs, let names = record.route {
            return zip(backends, outputs).filter { names.contains($0.1) }.map(\.0.id)
        }
        guard let targets = router?(record) else { return backendIDs }
        return backendIDs.filter(targets.contains)
    }

    /// The records each backend gets, in batch order.
    func route(_ batch: [Record]) -> [(backend: any StorageBackend, records: [Record])] {
        // Without routing, or a batch none of whose records was routed, every backend takes it all.
        let byOutput = outputs != nil && batch.contains { $0.route != nil }
        guard router != nil || byOutput else { return backends.map { ($0, batch) } }
        let unroutedBefore = stats.unrouted
        defer { metrics?.unrouted.increment(by: stats.unrouted - unroutedBefore) }
        var parts = backends.map { (backend: $0, records: [Record]()) }
        for record in batch {
            if byOutput, let outputs, let names = record.route {
                for i in parts.indices where names.contains(outputs[i]) { parts[i].records.append(record) }
                continue
            }
            guard let targets = router?(record) else {
                for i in parts.indices { parts[i].records.append(record) }
                continue
            }
            if targets.isEmpty { stats.unrouted += 1 }
            for i in parts.indices where targets.contains(parts[i].backend.id) { parts[i].records.append(record) }
        }
        return parts
    }
}
