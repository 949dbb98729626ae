import CollectorValues

/// What becomes of a failure: the error handler, events, the dead-letter sink.
extension StorageManager {
    func backendFailed(_ id: String, error: ErrorInfo) {
        failing.insert(id)
        emitter?.emit(.storageFailed, source: id, data: error.object)
        if lastDecision[id] == .stop { stopRequested = true }
    }

    func deadLetter(_ records: [Record], error: ErrorInfo) async {
        guard let deadLetters else {
            stats.discarded += records.count
            metrics?.discarded.increment(by: records.count)
            return
        }
        stats.deadLettered += records.count
        metrics?.storageDeadLetters.increment(by: records.count)
        for record in records { await deadLetters.deadLetter(DeadLetter(record: record, error: error)) }
    }

    /// Hands a failure to the error handler; `true` when it asks for a retry.
    /// `count`: the records of the write that failed (`nil` for a connect).
    func consult(_ error: ErrorInfo, backendID: String, count: Int? = nil) async -> Bool {
        // A batch refused for what a record holds is stored again record by
        // record: the handler hears of each record refused then, not of the
        // batch (nothing of it stored, dead-lettered), which is not what happens.
        if let count, count > 1, Self.splits(error) { return false }
        var error = error
        if error.details["backend_id"] == nil { error.details["backend_id"] = .string(backendID) }
        if let count, error.details["count"] == nil { error.details["count"] = .integer(Int64(count)) }
        let decision = await errorHandler.handle(error)
        lastDecision[backendID] = decision
        return decision == .retry
    }

    func retrying(_ attempt: RetryAttempt, backendID: String, operation: String = "store") {
        stats.retries += 1
        series[backendID]?.retries.increment()
        emitter?.emit(
            .retry, source: backendID,
            data: [
                "backend_id": .string(backendID), "operation": .string(operation),
                "attempt": .integer(Int64(attempt.attempt)), "delay_seconds": .double(durationSeconds(attempt.delay)),
                "message": .string(attempt.error.message),
            ])
    }
}
