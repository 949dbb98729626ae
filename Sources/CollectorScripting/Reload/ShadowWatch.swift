import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// What `collector run --watch --shadow` does with a saved processor file:
/// the saved version runs beside the live one on the same records (a
/// `ShadowRun` at each place the processor has in the running pipelines),
/// compared and never stored, and a log line per interval gives the counts
/// and the first differences. `promote()` (SIGUSR1 in `collector run`), or
/// `Settings.promoteAfter` records compared with no difference, swaps the
/// saved version in through the reload path (`LuaProcessor.reload(source:)`).
public actor ShadowWatch {
    /// How shadow runs are reported and promoted.
    public struct Settings: Sendable {
        /// How often the counts are logged (only when they moved).
        public var interval: Duration
        /// Promote on its own once this many records were compared and every
        /// one was the same; nil: only when `promote()` is called.
        public var promoteAfter: Int?
        /// How to promote by hand, said when a shadow run starts (`kill -USR1 1234`).
        public var promoteHint: String?

        public init(interval: Duration = .seconds(10), promoteAfter: Int? = nil, promoteHint: String? = nil) {
            self.interval = interval
            self.promoteAfter = promoteAfter
            self.promoteHint = promoteHint
        }
    }

    /// Where a processor sits in the running pipelines: each pipeline's manager and the place in it.
    public typealias Placements = @Sendable (LuaProcessor) async -> [(ProcessingManager, Int)]

    private struct Entry {
        let live: LuaProcessor
        let candidate: LuaProcessor
        /// The saved source, as read when the shadow run started: what a promotion loads.
        let source: String
        let hash: String
        let places: [(ProcessingManager, Int)]
        let runs: [ShadowRun]
        /// What the last line reported (compared + skipped), so an idle run is not logged again.
        var reported = 0
    }

    private let settings: Settings
    private let log: LogSink
    private let placements: Placements
    private var entries: [ObjectIdentifier: Entry] = [:]
    private var reporter: Task<Void, Never>?
    /// Used only to print values in differences (`DataDiff`), from this actor.
    private let printing: LuaState

    public init(settings: Settings, log: LogSink, placements: @escaping Placements) throws {
        self.settings = settings
        self.log = log
        self.placements = placements
        printing = try LuaState(LuaOptions(libraries: .sandboxed))
    }

    /// A processor's file (or a module it requires) was saved: start a
    /// shadow run of what it holds now, replace the one under way, or end it
    /// when the file holds the live version again.
    public func saved(_ live: LuaProcessor) async {
        guard let file = live.file else { return }
        let head = "processor \(live.name)"
        let key = ObjectIdentifier(live)
        let source: String
        do {
            source = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            log.log(.error, "\(head): cannot read \(file) for a shadow run: \(error.localizedDescription); version \(live.version) keeps running")
            return
        }
        if live.isNewest(source: source) {
            if let entry = entries.removeValue(forKey: key) {
                await end(entry)
                log.log(.info, "\(head): the saved file is version \(live.version) again: shadow run ended; version \(live.version) keeps running alone")
            } else {
                log.log(.info, "\(head): unchanged: version \(live.version) keeps running")
            }
            return
        }
        if let entry = entries[key], entry.candidate.isNewest(source: source) {
            log.log(.info, "\(head): unchanged: the shadow run of \(entry.hash) goes on")
            return
        }
        let candidate: LuaProcessor
        do {
            candidate = try await live.loadSibling(source: source)
        } catch {
            let goesOn = entries[key].map { "the shadow run of \($0.hash) goes on" } ?? "no shadow run"
            log.log(.error, "\(head): the saved version cannot run beside version \(live.version): \(error); version \(live.version) keeps running, \(goesOn)")
            return
        }
        let places = await placements(live)
        var runs: [ShadowRun] = []
        for (manager, index) in places {
            let run = ShadowRun(processor: candidate)
            await manager.setShadow(run, at: index)  // stops the run it replaces
            runs.append(run)
        }
        entries[key]?.runs.forEach { $0.stop() }
        let hash = candidate.scriptHash
        entries[key] = Entry(live: live, candidate: candidate, source: source, hash: hash, places: places, runs: runs)
        var line = "\(head): shadow run: the saved version (\(hash)) runs beside version \(live.version) on the same records, "
            + "compared, never stored; counts every \(Self.describe(settings.interval))"
        if let after = settings.promoteAfter { line += "; promoted after \(after) records with no difference" }
        if let hint = settings.promoteHint { line += "; promote now: \(hint)" }
        log.log(.info, line)
        if reporter == nil {
            let interval = settings.interval
            reporter = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self, !Task.isCancelled else { return }
                    await self.report()
                }
            }
        }
    }

    /// Swaps every shadow run's version in (the operator read the counts and decided).
    public func promote() async {
        guard !entries.isEmpty else {
            log.log(.warn, "promote: no shadow run is under way (save a processor file first)")
            return
        }
        for key in entries.keys.sorted(by: { entries[$0]!.live.name < entries[$1]!.live.name }) {
            await promote(key, why: "on request")
        }
    }

    /// Stops every shadow run (the pipelines end); each one's last counts are logged.
    public func stop() async {
        reporter?.cancel()
        reporter = nil
        await report(final: true)
        for entry in entries.values { await end(entry) }
        entries = [:]
    }

    /// The counts of each shadow run whose counts moved since the last line.
    func report(final: Bool = false) async {
        for key in entries.keys.sorted(by: { entries[$0]!.live.name < entries[$1]!.live.name }) {
            guard let entry = entries[key] else { continue }
            for run in entry.runs { await run.settle() }
            let counts = entry.runs.map(\.counts).reduce(ShadowRun.Counts()) { $0.adding($1) }
            guard counts.compared + counts.skipped != entry.reported || final else { continue }
            entries[key]?.reported = counts.compared + counts.skipped
            let clean = counts.compared == counts.same
            var line = "processor \(entry.live.name): shadow run of \(entry.hash) beside version \(entry.live.version): "
                + "\(counts.compared) compared: \(counts.same) same, \(counts.different) different, \(counts.onlyOld) only-old, "
                + "\(counts.onlyNew) only-new, \(counts.failed) failed"
            if counts.skipped > 0 { line += " (\(counts.skipped) skipped: the new version was behind)" }
            let examples = entry.runs.flatMap(\.examples).prefix(2).map(describe)
            if !examples.isEmpty { line += "; " + examples.joined(separator: "; ") }
            log.log(clean ? .info : .warn, line)
            if !final, let after = settings.promoteAfter, clean, counts.compared >= after {
                await promote(key, why: "\(counts.compared) records compared, every one the same")
            }
        }
    }

    private func promote(_ key: ObjectIdentifier, why: String) async {
        guard let entry = entries[key] else { return }
        log.log(.info, "processor \(entry.live.name): promoting the shadow run's version (\(entry.hash)) (\(why))")
        // The reload logs its own outcome (reloaded, or why not) through the processor's monitor.
        let outcome = await entry.live.reload(source: entry.source)
        switch outcome.kind {
        case .reloaded, .unchanged:
            entries[key] = nil
            await end(entry)
        case .failed, .rolledBack:
            log.log(.error, "processor \(entry.live.name): promotion refused, the shadow run goes on")
        }
    }

    private func end(_ entry: Entry) async {
        for (run, (manager, index)) in zip(entry.runs, entry.places) {
            run.stop()
            await manager.clearShadow(run, at: index)
        }
    }

    /// `different: {input}: [1].value: expected 104.0 (float), got 104 (integer)`, one line.
    private func describe(_ example: ShadowRun.Difference) -> String {
        let diff = DataDiff(lua: printing)
        var lines: [String] = []
        if let error = example.newError { lines.append("the new version failed: \(error)") }
        if let error = example.oldError { lines.append("the live version failed: \(error)") }
        if example.newError == nil {
            lines += diff.differences(expected: .array(example.old), got: .array(example.new), path: "")
        }
        return "\(example.kind.rawValue) \(diff.describe(example.input)): \(lines.prefix(3).joined(separator: ", "))"
    }

    private static func describe(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }
}
