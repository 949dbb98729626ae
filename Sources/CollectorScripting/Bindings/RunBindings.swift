import CollectorValues
import Collectors
import LuaRuntime

/// `run()`: runs the pipelines registered so far (those not run yet), now,
/// and returns their reports by pipeline name:
/// `{ status =, collected =, input =, output =, dropped =, failed =,
/// dead_letters =, stored = { [backend id] = n }, failed_to_store =,
/// spooled =, replayed =, in_spool =, read =, created =, unrouted =, discarded =,
/// dead_letters_written =, dead_letters_lost =, backends = { [backend id] = {...} } }`.
/// Pipelines still pending when the script ends run then, as before.
enum RunBindings {
    static func install(in lua: LuaState, bindings: ScriptBindings) throws {
        try lua.register("run") { call in
            let outcomes: [ScriptBindings.Outcome]
            do {
                outcomes = try bindings.runPendingPipelines()
            } catch let error as LuaCallError {
                throw error  // says what it is about already ("run() cannot wait ...")
            } catch {
                throw LuaCallError("run: \(error)")
            }
            var reports = DataObject()
            for outcome in outcomes { reports[outcome.name] = table(for: outcome) }
            // `collector check` runs nothing, but a script that reads its reports must check too.
            if bindings.settings.checkOnly {
                for handle in bindings.handles where handle.state == .pending {
                    reports[handle.definition.name] = pendingTable(for: handle.definition)
                }
            }
            try call.push(data: .object(reports))
            return 1
        }
    }

    /// The report of a pipeline that has not run: status "pending", every count 0.
    static func pendingTable(for definition: PipelineDefinition) -> DataValue {
        var stored = DataObject()
        var ledger = PipelineLedger()
        for backend in definition.backends {
            stored[backend.id] = 0
            ledger.backends[backend.id] = PipelineLedger.Backend()
        }
        var table: DataObject = [
            "status": "pending", "collected": 0, "input": 0, "output": 0, "dropped": 0, "failed": 0, "dead_letters": 0,
            "stored": .object(stored), "failed_to_store": 0, "spooled": 0, "replayed": 0, "in_spool": 0,
        ]
        for (key, value) in ledgerFields(ledger) { table[key] = value }
        return .object(table)
    }

    static func table(for outcome: ScriptBindings.Outcome) -> DataValue {
        guard let report = outcome.report else {
            return ["status": "failed", "error": .string(outcome.summary)]
        }
        var stored = DataObject()
        for id in outcome.backendIDs { stored[id] = .integer(Int64(report.storage.stored[id] ?? 0)) }
        var table: DataObject = [
            "status": .string(report.status.rawValue),
            "collected": .integer(Int64(report.collection.collected)),
            "input": .integer(Int64(report.processing.input)),
            "output": .integer(Int64(report.processing.output)),
            "dropped": .integer(Int64(report.processing.dropped)),
            "failed": .integer(Int64(report.processing.failed)),
            "dead_letters": .integer(Int64(report.processing.deadLettered + report.storage.deadLettered)),
            "stored": .object(stored),
            "failed_to_store": .integer(Int64(report.storage.failed.values.reduce(0, +))),
            "spooled": .integer(Int64(report.storage.spooled.values.reduce(0, +))),
            "replayed": .integer(Int64(report.storage.replayed.values.reduce(0, +))),
            "in_spool": .integer(Int64(outcome.leftInSpool)),
        ]
        for (key, value) in ledgerFields(report.ledger) { table[key] = value }
        if let error = report.error { table["error"] = .string(SecretRedactor.shared.redact(error.message)) }
        return .object(table)
    }

    /// The ledger's terms (see docs/operations.md): `read`, `created`,
    /// `unrouted`, `discarded`, `dead_letters_written`, `dead_letters_spooled`, `dead_letters_lost`, and per
    /// backend `{ routed, stored, skipped, spooled, refused, refused_on_replay }`.
    static func ledgerFields(_ ledger: PipelineLedger) -> [(String, DataValue)] {
        var backends = DataObject()
        for (id, b) in ledger.backends.sorted(by: { $0.key < $1.key }) {
            backends[id] = [
                "routed": .integer(Int64(b.routed)), "stored": .integer(Int64(b.stored)),
                "skipped": .integer(Int64(b.skipped)), "spooled": .integer(Int64(b.spooled)),
                "refused": .integer(Int64(b.refused)), "refused_on_replay": .integer(Int64(b.refusedOnReplay)),
            ]
        }
        return [
            ("read", .integer(Int64(ledger.read))), ("created", .integer(Int64(ledger.created))),
            ("unrouted", .integer(Int64(ledger.unrouted))),
            ("discarded", .integer(Int64(ledger.discarded))),
            ("dead_letters_written", .integer(Int64(ledger.deadLettersWritten))),
            ("dead_letters_spooled", .integer(Int64(ledger.deadLettersSpooled))),
            ("dead_letters_lost", .integer(Int64(ledger.deadLettersLost))),
            ("backends", .object(backends)),
        ]
    }
}
