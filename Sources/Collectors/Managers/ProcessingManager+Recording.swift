import CollectorValues

/// One record a processor received and what it made of it, as
/// `ProcessingManager.record(processor:count:)` saw it pass.
public struct RecordedCall: Sendable {
    /// The record the processor received.
    public var input: DataValue
    /// What came out for it, in order (none: dropped); empty on a failure.
    public var outputs: [DataValue]
    /// The error, when the record failed in the processor.
    public var error: ErrorInfo?

    public init(input: DataValue, outputs: [DataValue], error: ErrorInfo? = nil) {
        self.input = input
        self.outputs = outputs
        self.error = error
    }
}

/// The open recordings of a processing manager, by id. Empty (the usual
/// case) costs the data path one check per batch and processor.
struct ProcessorRecordings {
    struct Entry {
        var processor: Int
        var wanted: Int
        var calls: [RecordedCall] = []
        var continuation: CheckedContinuation<[RecordedCall], Never>
    }

    var entries: [UInt64: Entry] = [:]
    var next: UInt64 = 0
    var isEmpty: Bool { entries.isEmpty }
}

extension ProcessingManager {
    /// The next `count` records processor `processor` (0-based) receives in
    /// batches, each with what it made of it, without changing what the
    /// pipeline does. Returns early with what it saw when the task is
    /// cancelled or the pipeline ends (`closeTaps()`). Timer ticks and
    /// `finish()` are not records it received, so they are not recorded.
    public func record(processor: Int, count: Int) async -> [RecordedCall] {
        guard count > 0, processor >= 0, processor < currentProcessors.count else { return [] }
        recordings.next += 1
        let id = recordings.next
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                recordings.entries[id] = ProcessorRecordings.Entry(
                    processor: processor, wanted: count, continuation: continuation)
            }
        } onCancel: {
            Task { await self.endRecording(id) }
        }
    }

    func endRecordings() {
        for id in Array(recordings.entries.keys) { endRecording(id) }
    }

    private func endRecording(_ id: UInt64) {
        guard let entry = recordings.entries.removeValue(forKey: id) else { return }
        entry.continuation.resume(returning: entry.calls)
    }

    /// Called with a batch processor `processor` was given and its results (as many).
    func feedRecordings(processor: Int, _ inputs: [Record], _ results: [ProcessingResult]) {
        for (id, var entry) in recordings.entries where entry.processor == processor {
            for (record, result) in zip(inputs, results) where entry.calls.count < entry.wanted {
                // A document that was not JSON never reached the processor's code.
                let input = record.value
                guard case .object = input, result.error?.failedOperation != .decode else { continue }
                entry.calls.append(
                    RecordedCall(
                        input: input, outputs: result.success ? result.records.map(\.value) : [],
                        error: result.success ? nil : result.error))
            }
            if entry.calls.count >= entry.wanted {
                recordings.entries[id] = nil
                entry.continuation.resume(returning: entry.calls)
            } else {
                recordings.entries[id] = entry
            }
        }
    }
}
