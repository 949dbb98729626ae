/// Stores dead letters in a storage backend (one record per letter, in the
/// form every backend takes: `DeadLetter.portableValue`, secrets redacted).
///
/// A letter the backend cannot take (it is down, its disk is full) goes to
/// the `spool`, when there is one, like any backend's batch: `replaySpool()`
/// writes what waits there (the pipeline calls it when it starts, so a
/// run replays what the last one left). A letter neither the backend nor the
/// spool takes is kept in memory and counted lost in `tally`, so that the
/// run reports it rather than counting it as written.
public final class BackendDeadLetterSink: DeadLetterSink {
    public let backend: any StorageBackend
    /// Where letters go that the backend refused.
    public let fallback: InMemoryDeadLetterSink
    private let spool: (any Spool)?
    /// The spool's queue for this destination.
    public let queue: String
    private let counts: Locked<DeadLetterTally>
    /// Set when the pipeline replays dead letters: their records' letters count the attempt.
    private let attempts: ReplayAttempts?

    /// - Parameters:
    ///   - spool: where letters wait that the backend could not take; `nil` to count them lost.
    ///   - queue: their queue in the spool (a pipeline gives one of its own).
    ///   - attempts: the attempts of the records a replay feeds the pipeline; `nil` when it is not a replay.
    public init(
        backend: any StorageBackend, fallback: InMemoryDeadLetterSink = InMemoryDeadLetterSink(),
        spool: (any Spool)? = nil, queue: String? = nil, attempts: ReplayAttempts? = nil
    ) {
        self.attempts = attempts
        self.backend = backend
        self.fallback = fallback
        self.spool = spool
        self.queue = queue ?? "dead_letter:\(backend.id)"
        counts = Locked(DeadLetterTally(destination: backend.id))
    }

    public func deadLetter(_ letter: DeadLetter) async {
        var letter = letter
        if let attempts { letter.attempt = attempts.next(for: letter.record) }
        // Stored under the letter's own id, so that writing it again adds nothing.
        let record = Record(
            SecretRedactor.shared.redact(letter.portableValue), sourceID: letter.record.sourceID,
            sequence: letter.record.sequence, id: letter.id)
        let failure: ErrorInfo
        do {
            _ = try await backend.store(records: [record])
            counts.withLock { $0.written += 1 }
            return
        } catch {
            failure = ErrorInfo(
                from: error, type: .storage, layer: .storage, operation: "dead_letter",
                details: ["backend_id": .string(backend.id)])
        }
        // A letter refused for what it holds would be refused again on every replay.
        if let spool, failure.type != .validation {
            do {
                try await spool.append([record], to: queue)
                counts.withLock {
                    $0.spooled += 1
                    $0.lastError = failure
                }
                return
            } catch {
                var info = failure
                info.message += "; the spool could not take it either: \(ErrorInfo(from: error, layer: .storage, operation: "spool").message)"
                return lose(letter, info)
            }
        }
        lose(letter, failure)
    }

    private func lose(_ letter: DeadLetter, _ error: ErrorInfo) {
        counts.withLock {
            $0.lost += 1
            $0.lastError = error
        }
        fallback.keep(letter)
    }

    /// Writes the letters waiting in the spool, oldest first, until none is
    /// left or the backend fails again. Returns how many were written.
    @discardableResult
    public func replaySpool(batchSize: Int = 500) async -> Int {
        guard let spool else { return 0 }
        var written = 0
        while true {
            guard let batch = try? await spool.oldest(in: queue, limit: batchSize), !batch.records.isEmpty else { break }
            do {
                _ = try await backend.store(records: batch.records)
                try await spool.remove(through: batch.mark, from: queue)
            } catch {
                break
            }
            written += batch.records.count
        }
        counts.withLock { $0.replayed += written }
        return written
    }

    /// Letters waiting in the spool for this destination.
    public func spoolDepth() async -> Int {
        guard let spool, let depths = try? await spool.depths() else { return 0 }
        return depths[queue] ?? 0
    }

    public var tally: DeadLetterTally? { counts.withLock { $0 } }
}
