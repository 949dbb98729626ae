import CollectorValues

/// A pipeline's use of its `ResumeStore`.
///
/// At the start, `prepare` loads the scope's entries, hands each
/// `ResumableSource` its saved position and each `StatefulProcessor` that
/// keeps state its saved state.
///
/// Without such a processor, the sources' positions are saved as storage
/// acknowledges the records before them (`savePositions`, from the
/// checkpoint committer), at most every `checkpointInterval`, and at the end.
///
/// With one, positions and states are saved together, as a checkpoint:
/// between two batches the first half of processing notes where each
/// source is and sends a marker; the second half, once every batch before
/// the marker went through every processor, takes their state while the
/// first half waits (so each state is that after exactly the records up to
/// those positions);
/// the storage stage saves the checkpoint in one transaction once every
/// record handed to it before the marker is stored, spooled or dead-lettered.
/// A restart then resumes the sources from those positions and the
/// processors from that state; the records after them are read again, and
/// record ids keep backends from storing twice what was stored already.
final class ResumeKeeper: Sendable {
    /// A checkpoint waiting for storage: the entries to save once the first
    /// `handed` records given to the storage stage are stored.
    struct Pending: Sendable {
        var handed: Int
        var entries: [String: DataValue]
        /// Set once the second half of processing has taken the processors' state.
        var taken: OneShot<Void>?
    }

    let store: any ResumeStore
    let scope: String
    private let interval: Duration
    private let clock = ContinuousClock()
    /// The processors whose state is checkpointed, by place in the chain; empty: positions only.
    private let stateful = Locked([Int: any StatefulProcessor]())
    private let pending = Locked([Pending]())
    private let lastPositionSave = Locked<ContinuousClock.Instant?>(nil)

    init(store: any ResumeStore, scope: String, interval: Duration) {
        self.store = store
        self.scope = scope
        self.interval = interval
    }

    /// Whether checkpoints hold processor state (decided by `prepare`).
    var checkpointsState: Bool { stateful.withLock { !$0.isEmpty } }

    /// Restores sources and processors from the store.
    /// - Throws: an `ErrorInfo` naming the store when it cannot be read or a processor refuses its state.
    func prepare(sources: [String: any CheckpointedSource], processors: [any Processor]) async throws {
        let entries: [String: DataValue]
        do {
            entries = try await store.load(scope: scope)
        } catch {
            throw ErrorInfo(
                .storage, layer: .engine, operation: "resume",
                message: "cannot read the saved positions of '\(scope)' from \(store.description): \(Self.reason(error))")
        }
        for (id, source) in sources {
            guard let resumable = source as? any ResumableSource, let checkpoint = entries[ResumeKey.source(id)] else { continue }
            await resumable.resume(from: checkpoint)
        }
        var kept: [Int: any StatefulProcessor] = [:]
        for (index, processor) in processors.enumerated() {
            guard let processor = processor as? any StatefulProcessor, await processor.keepsState else { continue }
            kept[index] = processor
            guard let state = entries[ResumeKey.processor(processor.name)] else { continue }
            do {
                try await processor.restoreState(state)
            } catch {
                throw ErrorInfo(
                    .processing, layer: .processing, operation: "resume",
                    message: "processor '\(processor.name)' could not take back its saved state from \(store.description): \(Self.reason(error))",
                    details: ["processor": .string(processor.name)])
            }
        }
        stateful.withLock { $0 = kept }
    }

    /// The state of the processors that keep state, as entries.
    func states() async -> Result<[String: DataValue], ErrorInfo> {
        let kept = stateful.withLock { $0 }
        var entries: [String: DataValue] = [:]
        for processor in kept.values {
            do {
                entries[ResumeKey.processor(processor.name)] = try await processor.exportState()
            } catch {
                return .failure(
                    ErrorInfo(
                        .processing, layer: .processing, operation: "checkpoint",
                        message: "processor '\(processor.name)': export_state() failed, no checkpoint taken: \(Self.reason(error))",
                        details: ["processor": .string(processor.name)]))
            }
        }
        return .success(entries)
    }

    /// A checkpoint complete up to the storage stage: saved once `handed` records are stored.
    func enqueue(_ checkpoint: Pending) {
        pending.withLock { $0.append(checkpoint) }
    }

    /// The newest checkpoint whose records are all among the first `received`; older ones are dropped.
    func ready(received: Int) -> Pending? {
        pending.withLock { queue in
            var found: Pending?
            while let first = queue.first, first.handed <= received {
                found = queue.removeFirst()
            }
            return found
        }
    }

    /// Saves a checkpoint; a failure is reported, the pipeline goes on (the next one may succeed).
    func save(_ entries: [String: DataValue]) async -> ErrorInfo? {
        guard !entries.isEmpty else { return nil }
        do {
            try await store.save(scope: scope, entries: entries)
            return nil
        } catch {
            return ErrorInfo(
                .storage, layer: .engine, operation: "checkpoint",
                message: "cannot save the checkpoint of '\(scope)' to \(store.description): \(Self.reason(error))",
                isRetryable: true)
        }
    }

    /// Positions the committer took (positions only): saved at most every `interval`, unless `force`.
    /// Returns whether they were saved (else the caller keeps them for the next call).
    func savePositions(_ positions: [String: DataValue], force: Bool) async -> (saved: Bool, error: ErrorInfo?) {
        guard !positions.isEmpty else { return (true, nil) }
        if !force, let last = lastPositionSave.withLock({ $0 }), last.duration(to: clock.now) < interval { return (false, nil) }
        var entries: [String: DataValue] = [:]
        for (id, position) in positions { entries[ResumeKey.source(id)] = position }
        let error = await save(entries)
        if error == nil { lastPositionSave.withLock { $0 = clock.now } }
        return (error == nil, error)
    }

    private static func reason(_ error: any Error) -> String {
        (error as? ErrorInfo)?.message ?? "\(error)"
    }
}
