import CollectorValues
import Collectors

/// The checks of `SourceConformance`, one method each.
extension SourceConformance {
    static let stepLimit: Duration = .seconds(10)

    func connectIsIdempotent() async throws {
        let source = try await make()
        try await step("disconnect() before any connect()") { await source.disconnect() }
        try await step("the first connect()") { try await source.connect() }
        try await step("a second connect() while connected") { try await source.connect() }
        _ = try await readOne(source, "reading an item after connecting twice")
        try await step("the first disconnect()") { await source.disconnect() }
        try await step("a second disconnect()") { await source.disconnect() }
        try await step("connect() after disconnect()") { try await source.connect() }
        try await step("disconnect() after connecting again") { await source.disconnect() }
    }

    func leaksNoDescriptor() async throws {
        guard OpenFiles.canList else { throw CheckSkipped("open descriptors cannot be listed here (no /proc/self/fd)") }
        let message = try await OpenFiles.leak(rounds: leakRounds, making: make) { source in
            try await step("connect()") { try await source.connect() }
            _ = try await readOne(source, "reading an item")
            try await step("disconnect()") { await source.disconnect() }
        }
        if let message { throw CheckFailure(message) }
    }

    /// The kit's way of reading the source, and `stream()` too for a source a pipeline streams.
    func cancellationEndsARead() async throws {
        var readings = [reading]
        if mode == .stream, reading != .stream { readings.append(.stream) }
        for reading in readings { try await cancellationEnds(reading) }
    }

    private func cancellationEnds(_ reading: Reading) async throws {
        let call = reading == .collect ? "collect()" : "stream()"
        let source = try await (idle ?? make)()
        try await step("connect() (before a cancelled \(call))") { try await source.connect() }
        let ended = Locked(false)
        let task = Task<Void, any Error> {
            defer { ended.withLock { $0 = true } }
            switch reading {
            case .collect:
                while true {
                    try Task.checkCancellation()
                    _ = try await source.collect()
                    // A source whose collect() returns at once must not hold a thread of the pool.
                    try await Task.sleep(for: .milliseconds(1))
                }
            case .stream:
                for try await _ in source.stream() { try Task.checkCancellation() }
            }
        }
        // Long enough for the read to be waiting, not a measure of anything.
        try? await Task.sleep(for: .milliseconds(300))
        if ended.withLock({ $0 }) {
            await source.disconnect()
            let how: String
            switch await task.result {
            case .success: how = "ended"
            case .failure(let error): how = "failed (\(error))"
            }
            throw CheckFailure(
                "\(call) \(how) before it was cancelled: give `idle` a source with nothing to read, whose read waits")
        }
        task.cancel()
        guard await result(of: task, within: cancellationLimit) != nil else {
            // Not waited for: a read that ignores cancellation may hold the source's actor too.
            Task { await source.disconnect() }
            throw CheckFailure(
                "a \(call) waiting for data was still running \(cancellationLimit.seconds) s after its task was cancelled")
        }
        try await step("disconnect() after a cancelled \(call)") { await source.disconnect() }
    }

    func savesOnlyAcknowledgedPositions() async throws {
        guard let checkpointed else {
            throw CheckSkipped("no `checkpointed` source given (the source keeps no position)")
        }
        let first = try await checkpointedSource(checkpointed)
        try await step("connect()") { try await first.connect() }
        var items: [CollectedData] = []
        for n in 1...3 { items.append(try await readOne(first, "reading item \(n) of 3", via: .collect)) }
        for (n, item) in items.enumerated() where item.checkpoint == nil {
            throw CheckFailure("item \(n + 1) carries no checkpoint: a pipeline cannot acknowledge it")
        }
        // Only the first item is acknowledged; then a clean stop.
        await first.commit(items[0].checkpoint!, force: true)
        try await step("disconnect()") { await first.disconnect() }

        let second = try await checkpointedSource(checkpointed)
        try await step("connect() of a new source") { try await second.connect() }
        let again = try await readOne(second, "reading after a restart", via: .collect)
        guard again.payload == items[1].payload else {
            throw CheckFailure(
                "after a stop with only item 1 acknowledged, a new source read \(preview(again)) first, not item 2 (\(preview(items[1]))): the position was saved past what was acknowledged, or items were skipped")
        }
        if let key = items[1].key, again.key != key {
            throw CheckFailure(
                "item 2 read again has key \(again.key ?? "nil"), not \(key): its record id changes, so it would be stored twice")
        }
        // Item 2 acknowledged, item 3 read but not; then a crash (no disconnect).
        await second.commit(again.checkpoint!, force: true)
        _ = try await readOne(second, "reading item 3 again", via: .collect)

        let third = try await checkpointedSource(checkpointed)
        try await step("connect() after a crash") { try await third.connect() }
        let afterCrash = try await readOne(third, "reading after a crash", via: .collect)
        await third.disconnect()
        await second.disconnect()
        guard afterCrash.payload == items[2].payload else {
            throw CheckFailure(
                "after a crash with items 1 and 2 acknowledged, a new source read \(preview(afterCrash)) first, not item 3 (\(preview(items[2]))): a read record was skipped or an acknowledgement lost")
        }
    }

    func reconnectsAfterRestart() async throws {
        guard let restart else { throw CheckSkipped("no `restart` hook given (not a network source)") }
        let source = try await restart.make()
        try await step("connect()") { try await source.connect() }
        _ = try await readOne(source, "reading before the restart")
        try await step("restarting the server") { try await restart.restartServer() }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        var lastError: (any Error)?
        while clock.now < deadline {
            do {
                guard let item = try await readOneIfAny(source, limit: .seconds(10)) else { continue }
                if restart.isFromRestartedServer?(item) ?? true {
                    await source.disconnect()
                    return
                }
            } catch let error as ErrorInfo where error.isRetryable {
                // One failed connection: the source goes on with the next read.
                lastError = error
                try? await Task.sleep(for: .milliseconds(50))
            } catch let failure as CheckFailure {
                lastError = failure
            } catch {
                await source.disconnect()
                throw CheckFailure("after the server restarted, the source gave up: \(error)")
            }
        }
        await source.disconnect()
        throw CheckFailure(
            "no item from the restarted server within 30 s\(lastError.map { "; the last error: \($0)" } ?? "")")
    }

    func badInputFailsAlone() async throws {
        guard let badInput else { throw CheckSkipped("no `badInput` source given") }
        let source = try await badInput.make()
        let capture = CaptureBackend()
        let good = badInput.goodRecords
        let probe = try await PipelineProbe.run(source: source, mode: mode, backend: capture, batchSize: 1) {
            await capture.count >= good
        }
        let ledger = probe.report.ledger
        let stored = await capture.count
        guard ledger.failed >= 1 else {
            throw CheckFailure(
                "no record failed: the payload that cannot be decoded was not handed on (a source must give it as an item, or as a failed item with a refusal, not drop it)")
        }
        guard stored >= good else {
            throw CheckFailure(
                "\(stored) of the \(good) good records after the bad payload were stored: the bad input stopped the source (status \(probe.report.sources[source.id]?.rawValue ?? "unknown"))")
        }
        guard probe.deadLetters.letters.count == ledger.failed else {
            throw CheckFailure("\(ledger.failed) records failed but \(probe.deadLetters.letters.count) were dead-lettered")
        }
        guard ledger.mismatches.isEmpty else {
            throw CheckFailure("the run's ledger does not add up: \(ledger.mismatches.joined(separator: "; "))")
        }
    }

    func metricsArePresent() async throws {
        let source = try await make()
        let capture = CaptureBackend()
        let probe = try await PipelineProbe.run(source: source, mode: mode, backend: capture, batchSize: 1) {
            await capture.count >= 1
        }
        guard probe.reached else {
            throw CheckFailure("no record was stored in a pipeline run: \(probe.report.error.map(String.init(describing:)) ?? "the source gave none")")
        }
        let labels = ["source": source.id]
        let series = [
            "collector_source_items_total", "collector_source_bytes_total", "collector_source_failures_total",
            "collector_source_retries_total", "collector_source_undecodable_records_total", "collector_source_connected",
        ]
        let missing = series.filter { probe.value($0, labels) == nil }
        guard missing.isEmpty else {
            throw CheckFailure("missing series for source '\(source.id)': \(missing.joined(separator: ", "))")
        }
        for counted in ["collector_source_items_total", "collector_source_bytes_total"] {
            guard let value = probe.value(counted, labels), value >= 1 else {
                throw CheckFailure("\(counted) is \(probe.value(counted, labels) ?? 0) after items were stored")
            }
        }
        guard let read = probe.value("collector_pipeline_records_read_total", [:]), read >= 1 else {
            throw CheckFailure("collector_pipeline_records_read_total counted no record")
        }
    }

    // MARK: - Helpers

    private func step(_ what: String, _ body: @escaping @Sendable () async throws -> Void) async throws {
        do {
            try await within(Self.stepLimit, what, body)
        } catch let failure as CheckFailure {
            throw failure
        } catch {
            throw CheckFailure("\(what) threw: \(error)")
        }
    }

    private func checkpointedSource(_ make: Make) async throws -> any CheckpointedSource {
        let made = try await make()
        guard let source = made as? any CheckpointedSource else {
            throw CheckFailure("the `checkpointed` source '\(made.id)' is not a CheckpointedSource")
        }
        await source.useCommittedCheckpoints()
        return source
    }

    /// One item, within the step limit.
    private func readOne(_ source: any DataSource, _ what: String, via: Reading? = nil) async throws -> CollectedData {
        do {
            guard let item = try await readOneIfAny(source, limit: Self.stepLimit, via: via) else {
                throw CheckFailure("\(what): the stream ended without an item")
            }
            return item
        } catch let failure as CheckFailure {
            throw CheckFailure(failure.message.hasPrefix(what) ? failure.message : "\(what): \(failure.message)")
        } catch {
            throw CheckFailure("\(what) threw: \(error)")
        }
    }

    /// One item, or `nil` when a stream ended without one.
    private func readOneIfAny(_ source: any DataSource, limit: Duration, via: Reading? = nil) async throws -> CollectedData? {
        switch via ?? reading {
        case .collect:
            return try await within(limit, "collect()") { try await source.collect() }
        case .stream:
            return try await within(limit, "taking an item from stream()") {
                var iterator = source.stream().makeAsyncIterator()
                return try await iterator.next()
            }
        }
    }

    private func preview(_ item: CollectedData) -> String {
        let text = String(decoding: item.payload.prefix(60), as: UTF8.self)
        return "'\(text)\(item.payload.count > 60 ? "…" : "")'"
    }
}
