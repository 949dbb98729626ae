/// The attempts of replayed records (`DeadLetterFile`), so that a record
/// that fails again gets a letter counting one more attempt.
///
/// A processor that made several records of a replayed one gives them ids
/// of their own (`RecordID.child`); they keep the replayed record's source
/// id and sequence, so those find the attempt too.
public struct ReplayAttempts: Sendable {
    private let byID: [RecordID: Int]
    private let byPlace: [String: [UInt64: Int]]

    public init(_ entries: [DeadLetterFile.Entry]) {
        var byID: [RecordID: Int] = [:]
        var byPlace: [String: [UInt64: Int]] = [:]
        for entry in entries {
            byID[entry.record.id] = entry.attempt
            byPlace[entry.record.sourceID, default: [:]][entry.record.sequence] = max(
                entry.attempt, byPlace[entry.record.sourceID]?[entry.record.sequence] ?? 0)
        }
        self.byID = byID
        self.byPlace = byPlace
    }

    /// The attempt a letter of `record` counts: one more than its replayed letter's.
    public func next(for record: Record) -> Int {
        let previous = byID[record.id] ?? byPlace[record.sourceID]?[record.sequence] ?? 1
        return previous + 1
    }
}
