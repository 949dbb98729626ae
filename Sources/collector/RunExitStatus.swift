import CollectorScripting

/// The exit status of `collector run` once its pipelines have run.
///
/// 3 tells a supervisor (systemd's `Restart=on-failure`) that nothing was
/// lost but a backend still owes records: the next run replays them first.
enum RunExitStatus {
    static func of(_ outcomes: [ScriptBindings.Outcome]) -> Int32 {
        guard outcomes.allSatisfy(\.succeeded) else { return 1 }
        let left = outcomes.filter { $0.leftInSpool > 0 }
        guard !left.isEmpty else { return 0 }
        for outcome in left {
            fail(
                "pipeline \(outcome.name): \(outcome.leftInSpool) records are in the spool \(outcome.spoolPath ?? "")"
                    + " (a backend was down, or the drain deadline passed); the next run replays them")
        }
        return 3
    }
}
