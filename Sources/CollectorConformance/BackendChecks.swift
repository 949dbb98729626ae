import CollectorValues
import Collectors

/// The checks of `BackendConformance`, one method each.
extension BackendConformance {
    static let stepLimit: Duration = .seconds(10)

    func connectIsIdempotent() async throws {
        let backend = try await make()
        let values = sample(2)
        try await step("disconnect() before any connect()") { await backend.disconnect() }
        try await step("the first connect()") { try await backend.connect() }
        try await step("a second connect() while connected") { try await backend.connect() }
        try await step("store(batch:) after connecting twice") { _ = try await backend.store(batch: values) }
        try await step("the first disconnect()") { await backend.disconnect() }
        try await step("a second disconnect()") { await backend.disconnect() }
        try await step("connect() after disconnect()") { try await backend.connect() }
        try await step("store(batch:) after connecting again") { _ = try await backend.store(batch: values) }
        try await step("disconnect() after connecting again") { await backend.disconnect() }
    }

    func leaksNoDescriptor() async throws {
        guard OpenFiles.canList else { throw CheckSkipped("open descriptors cannot be listed here (no /proc/self/fd)") }
        let message = try await OpenFiles.leak(rounds: leakRounds, making: make) { backend in
            let values = sample(1)
            try await step("connect()") { try await backend.connect() }
            try await step("store(batch:)") { _ = try await backend.store(batch: values) }
            try await step("disconnect()") { await backend.disconnect() }
        }
        if let message { throw CheckFailure(message) }
    }

    func roundTrips() async throws {
        guard canRead else { throw CheckSkipped("the backend cannot be read back (no `.query`, no `readStored`)") }
        let backend = try await make()
        let values = sample(4)
        try await step("connect()") { try await backend.connect() }
        try await step("store(batch:)") { _ = try await backend.store(batch: Array(values.prefix(3))) }
        try await step("store(_:)") { _ = try await backend.store(values[3]) }
        try await step("disconnect()") { await backend.disconnect() }
        try await expectStoredOnce(values, "stored with store(batch:) and store(_:)")
    }

    func storesARecordIDOnce() async throws {
        guard capabilities.contains(.recordIDs) else { throw CheckSkipped("the backend keeps no record ids (no `.recordIDs`)") }
        guard canRead else { throw CheckSkipped("the backend cannot be read back (no `.query`, no `readStored`)") }
        let backend = try await make()
        let values = sample(4)
        let records = values.enumerated().map { n, value in
            Record(value, sourceID: "conformance", sequence: UInt64(n + 1), id: RecordID.unique())
        }
        let first = Array(records.prefix(3))
        try await step("connect()") { try await backend.connect() }
        try await step("store(records:)") { _ = try await backend.store(records: first) }
        try await step("store(records:) of the same batch again (a retry)") { _ = try await backend.store(records: first) }
        try await step("store(records:) of the batch with one more record") { _ = try await backend.store(records: records) }
        try await step("disconnect()") { await backend.disconnect() }
        try await expectStoredOnce(values, "a batch with record ids stored three times over")
    }

    func refusedRecordFailsAlone() async throws {
        guard let refusedValue else { throw CheckSkipped("no `refusedValue` given") }
        let backend = try await make()
        let good = sample(2)
        let probe = try await PipelineProbe.run(
            source: IndexSource(count: 3), mode: .once, processors: [ValueInjector(values: [good[0], refusedValue, good[1]])],
            backend: backend, batchSize: 3
        ) { false }
        let ledger = probe.report.ledger.backends[backend.id] ?? PipelineLedger.Backend()
        guard ledger.stored == 2, ledger.refused == 1 else {
            throw CheckFailure(
                "of a batch of 3 with one record the backend cannot take, \(ledger.stored) were stored and \(ledger.refused) refused, not 2 and 1"
                    + (ledger.refused == 3
                        ? ": the whole batch failed for one record (a refused record must fail with an ErrorInfo of type .validation, so that the engine stores the batch again record by record)"
                        : ""))
        }
        guard probe.deadLetters.letters.count == 1 else {
            throw CheckFailure("\(probe.deadLetters.letters.count) dead letters, not 1 for the refused record")
        }
        guard probe.report.ledger.mismatches.isEmpty else {
            throw CheckFailure("the run's ledger does not add up: \(probe.report.ledger.mismatches.joined(separator: "; "))")
        }
        if canRead { try await expectStoredOnce(good, "the good records of a batch with a refused one") }
    }

    func cancellationEndsAStore() async throws {
        guard let blockStores else { throw CheckSkipped("no `blockStores` hook given") }
        let backend = try await make()
        let values = sample(2)
        try await step("connect()") { try await backend.connect() }
        let release = try await within(Self.stepLimit, "blockStores()") { try await blockStores() }
        let ended = Locked(false)
        let task = Task<Void, any Error> {
            defer { ended.withLock { $0 = true } }
            _ = try await backend.store(batch: values)
        }
        // Long enough for the store to be waiting, not a measure of anything.
        try? await Task.sleep(for: .milliseconds(300))
        if ended.withLock({ $0 }) {
            await release()
            await backend.disconnect()
            throw CheckFailure("the store ended while stores were blocked: the `blockStores` hook did not make it wait")
        }
        task.cancel()
        let outcome = await result(of: task, within: cancellationLimit)
        await release()
        _ = await result(of: task, within: Self.stepLimit)
        try await step("disconnect() after the cancelled store") { await backend.disconnect() }
        guard outcome != nil else {
            throw CheckFailure(
                "a store waiting on the backend was still running \(cancellationLimit.seconds) s after its task was cancelled")
        }
    }

    func disconnectFlushes() async throws {
        guard canRead else { throw CheckSkipped("the backend cannot be read back (no `.query`, no `readStored`)") }
        let backend = try await make()
        let values = sample(3)
        try await step("connect()") { try await backend.connect() }
        for value in values { try await step("store(batch:) of one record") { _ = try await backend.store(batch: [value]) } }
        try await step("disconnect()") { await backend.disconnect() }
        try await expectStoredOnce(values, "stored before disconnect()")
    }

    func storeAfterDisconnectFails() async throws {
        let backend = try await make()
        let values = sample(1)
        try await step("connect()") { try await backend.connect() }
        try await step("disconnect()") { await backend.disconnect() }
        let attempts: [(String, @Sendable () async throws -> Void)] = [
            ("store(batch:)", { _ = try await backend.store(batch: values) }),
            ("store(_:)", { _ = try await backend.store(values[0]) }),
            (
                "store(records:)",
                { _ = try await backend.store(records: [Record(values[0], sourceID: "conformance", sequence: 1)]) }
            ),
        ]
        for (call, attempt) in attempts {
            let outcome = await result(of: Task { try await attempt() }, within: Self.stepLimit)
            switch outcome {
            case nil:
                throw CheckFailure("\(call) after disconnect() did not return within \(Self.stepLimit.seconds) s")
            case .success?:
                throw CheckFailure("\(call) after disconnect() succeeded: records count as stored by a backend that is closed")
            case .failure(let error)?:
                if "\(error)".isEmpty { throw CheckFailure("\(call) after disconnect() threw an error with no message") }
            }
        }
        if canRead {
            let found = try await storedRows().filter { matches(values[0], $0) }.count
            guard found == 0 else { throw CheckFailure("a store after disconnect() threw, but its record was stored") }
        }
    }

    func metricsArePresent() async throws {
        let backend = try await make()
        let values = sample(3)
        let probe = try await PipelineProbe.run(
            source: IndexSource(count: 3), mode: .once, processors: [ValueInjector(values: values)], backend: backend
        ) { false }
        let labels = ["backend": backend.id]
        let series = [
            "collector_backend_records_stored_total", "collector_backend_records_routed_total",
            "collector_backend_records_failed_total", "collector_backend_retries_total", "collector_backend_up",
            "collector_backend_store_duration_seconds",
        ]
        let missing = series.filter { probe.value($0, labels) == nil }
        guard missing.isEmpty else {
            throw CheckFailure("missing series for backend '\(backend.id)': \(missing.joined(separator: ", "))")
        }
        let stored = probe.value("collector_backend_records_stored_total", labels) ?? 0
        guard stored == 3 else {
            throw CheckFailure(
                "collector_backend_records_stored_total is \(stored) after a run that stored 3 records\(probe.report.error.map { " (\($0))" } ?? "")")
        }
    }

    // MARK: - Helpers

    private var canRead: Bool { readStored != nil || capabilities.contains(.query) }

    /// `count` records of a fresh marker.
    private func sample(_ count: Int) -> [DataValue] {
        let marker = RecordID.unique().uuidString
        return (1...count).map { record(marker, $0) }
    }

    /// Everything stored, read apart from the instances the check used.
    private func storedRows() async throws -> [DataValue] {
        if let readStored { return try await within(Self.stepLimit, "readStored()") { try await readStored() } }
        let reader = try await make()
        try await step("connect() of a reader") { try await reader.connect() }
        let rows = try await within(Self.stepLimit, "query()") { try await reader.query(QueryCriteria()) }
        await reader.disconnect()
        return rows
    }

    private func expectStoredOnce(_ values: [DataValue], _ what: String) async throws {
        let rows = try await storedRows()
        for (n, value) in values.enumerated() {
            let found = rows.filter { matches(value, $0) }.count
            guard found == 1 else {
                throw CheckFailure("record \(n + 1) of \(values.count) \(what) was read back \(found) times, not once: \(value)")
            }
        }
    }

    /// Whether `row` holds every field of `value` (backends may add their own, such as an id).
    private func matches(_ value: DataValue, _ row: DataValue) -> Bool {
        guard let fields = value.objectValue else { return value == row }
        return fields.allSatisfy { field in row[field.key] == field.value }
    }

    private func step(_ what: String, _ body: @escaping @Sendable () async throws -> Void) async throws {
        do {
            try await within(Self.stepLimit, what, body)
        } catch let failure as CheckFailure {
            throw failure
        } catch {
            throw CheckFailure("\(what) threw: \(error)")
        }
    }
}
