import CollectorScripting
import Collectors

/// The exit status of `collector run` once its pipelines have run.
///
/// 3 tells a supervisor (systemd's `Restart=on-failure`) that nothing was
/// lost but a backend still owes records: the next run replays them first.
enum RunExitStatus {
    /// Lines about records not stored, or left in the spool, go to `log`, in its format.
    static func of(_ outcomes: [ScriptBindings.Outcome], log: LogSink) -> Int32 {
        reportNotStored(outcomes, log: log)
        guard outcomes.allSatisfy(\.succeeded) else { return 1 }
        let left = outcomes.filter { $0.leftInSpool > 0 }
        guard !left.isEmpty else { return 0 }
        for outcome in left {
            log.log(
                .warn,
                "pipeline \(outcome.name): \(outcome.leftInSpool) records are in the spool \(outcome.spoolPath ?? "")"
                    + " (a backend was down, or the drain deadline passed); the next run replays them")
        }
        return 3
    }

    /// Records a backend did not store fail the run (status 1): exit 0 says every record was stored.
    private static func reportNotStored(_ outcomes: [ScriptBindings.Outcome], log: LogSink) {
        for outcome in outcomes where outcome.notStored > 0 {
            let kept = outcome.report?.deadLetters.flatMap {
                $0.lost == 0 ? " (the dead-letter destination '\($0.destination)' has them)" : nil
            } ?? ""
            log.log(.error, "pipeline \(outcome.name): \(outcome.notStored) records were not stored: a backend refused or failed them\(kept)")
        }
    }
}
