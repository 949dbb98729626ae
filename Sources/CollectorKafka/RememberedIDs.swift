import Collectors

/// The ids of records the brokers acknowledged in a batch that failed as a
/// whole (the last `capacity` of them): stored, though the pipeline does not know it yet.
struct RememberedIDs: Sendable {
    private var ids: Set<RecordID> = []
    private var ring: [RecordID] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(0, capacity) }

    var isEmpty: Bool { ids.isEmpty }

    func contains(_ id: RecordID) -> Bool { ids.contains(id) }

    mutating func remove(_ id: RecordID) { ids.remove(id) }

    mutating func insert(_ id: RecordID) {
        guard capacity > 0, ids.insert(id).inserted else { return }
        if ring.count < capacity {
            ring.append(id)
        } else {
            ids.remove(ring[next])
            ring[next] = id
            next = (next + 1) % capacity
        }
    }
}
