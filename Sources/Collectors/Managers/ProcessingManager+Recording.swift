import Foundation
import CollectorValues

/// One record a processor received and what it made of it, as
/// `ProcessingManager.record(processor:count:)` saw it pass; or one of its
/// timer ticks, or its shutdown, and what it emitted then.
public struct RecordedCall: Sendable {
    /// What the processor was called for.
    public enum Kind: Sendable, Hashable {
        /// A record of a batch (`input`).
        case record
        /// Its timer, due at `now` (seconds since the epoch); `input` is null.
        case tick(now: Double)
        /// Its shutdown, at the pipeline's end; `input` is null.
        case shutdown
    }

    public var kind: Kind = .record
    /// The record the processor received.
    public var input: DataValue
    /// What came out for it, in order (none: dropped); empty on a failure.
    public var outputs: [DataValue]
    /// The error, when the record failed in the processor.
    public var error: ErrorInfo?

    public init(_ kind: Kind = .record, input: DataValue, outputs: [DataValue], error: ErrorInfo? = nil) {
        self.kind = kind
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
        /// Records (not ticks) in `calls`.
        var records = 0
        var continuation: CheckedContinuation<[RecordedCall], Never>
        /// Called once `wanted` records are in; then the recording goes on to the pipeline's end.
        var whenFull: (@Sendable () -> Void)?
        var full = false
    }

    var entries: [UInt64: Entry] = [:]
    var next: UInt64 = 0
    var isEmpty: Bool { entries.isEmpty }
}

extension ProcessingManager {
    /// The next `count` records processor `processor` (0-based) receives in
    /// batches, each with what it made of it, and the timer ticks it had on
    /// the way (with what they emitted), without changing what the pipeline
    /// does. Returns early with what it saw when the task is cancelled or
    /// the pipeline ends (`closeTaps()`), its shutdown included when it came
    /// first.
    ///
    /// With `whenFull`, the recording does not end at `count` records: it
    /// calls `whenFull` (which stops the pipeline) and goes on to the end,
    /// records in flight, ticks and the shutdown included, so that what the
    /// shutdown emits follows from the records before it.
    /// `registered` is called once the recording sees the batches (for a caller that must not miss the first).
    public func record(
        processor: Int, count: Int, whenFull: (@Sendable () -> Void)? = nil, registered: (@Sendable () -> Void)? = nil
    ) async -> [RecordedCall] {
        guard count > 0, processor >= 0, processor < currentProcessors.count else {
            registered?()
            return []
        }
        recordings.next += 1
        let id = recordings.next
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                recordings.entries[id] = ProcessorRecordings.Entry(
                    processor: processor, wanted: count, continuation: continuation, whenFull: whenFull)
                registered?()
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
            for (record, result) in zip(inputs, results) where entry.records < entry.wanted || entry.whenFull != nil {
                // A document that was not JSON never reached the processor's code.
                let input = record.value
                guard case .object = input, result.error?.failedOperation != .decode else { continue }
                entry.calls.append(
                    RecordedCall(
                        input: input, outputs: result.success ? result.records.map(\.value) : [],
                        error: result.success ? nil : result.error))
                entry.records += 1
            }
            conclude(id, entry)
        }
    }

    /// Called with what processor `processor` gave at a tick of its timer due at `now`, or at its shutdown (`now` nil).
    func feedRecordings(processor: Int, now: Date?, _ results: [ProcessingResult]) {
        for (id, var entry) in recordings.entries where entry.processor == processor {
            // A state that failed fails the call; the others' records are what it emitted.
            let failure = results.first { !$0.success }?.error
            let outputs = failure != nil ? [] : results.flatMap { $0.records.map(\.value) }
            let kind: RecordedCall.Kind = now.map { .tick(now: $0.timeIntervalSince1970) } ?? .shutdown
            // A shutdown that emitted nothing (most modules have none) says nothing worth a test.
            if kind != .shutdown || failure != nil || !outputs.isEmpty {
                entry.calls.append(RecordedCall(kind, input: .null, outputs: outputs, error: failure))
            }
            conclude(id, entry)
        }
    }

    private func conclude(_ id: UInt64, _ entry: ProcessorRecordings.Entry) {
        var entry = entry
        if entry.records >= entry.wanted, let whenFull = entry.whenFull {
            if !entry.full {
                entry.full = true
                whenFull()
            }
            recordings.entries[id] = entry
        } else if entry.records >= entry.wanted {
            recordings.entries[id] = nil
            entry.continuation.resume(returning: entry.calls)
        } else {
            recordings.entries[id] = entry
        }
    }
}
