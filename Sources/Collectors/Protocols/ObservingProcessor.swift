/// A processor that passes every record through as it is and only looks at
/// them (an aggregate, a counter). The pipeline hands it a batch and goes on
/// with the same records: no result is made per record, and the batch is
/// not copied into a new one.
///
/// `process(batch:)` (for callers that want results) observes the batch and
/// keeps every record.
public protocol ObservingProcessor: Processor {
    /// Looks at the batch; the records go on unchanged, in order.
    func observe(batch records: [Record]) async
}

extension ObservingProcessor {
    public func process(batch records: [Record]) async -> [ProcessingResult] {
        await observe(batch: records)
        return records.map { .success($0) }
    }
}
