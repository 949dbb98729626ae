import Collectors

/// The first records of a swapped-in version, judged against the policy.
///
/// Nothing the version does is released before its verdict: the batch that
/// decides it is released if it passes, and the batches before (too few
/// records to say) are released as the last good version processed them.
struct Probation {
    enum Verdict {
        case accepted
        case rejected
        case undecided
    }

    let policy: ReloadPolicy
    private(set) var successes = 0
    private(set) var failures = 0
    /// The first failure, for the rollback's message and location.
    private(set) var firstFailure: ErrorInfo?

    init(policy: ReloadPolicy) {
        self.policy = policy
    }

    var judged: Int { successes + failures }

    /// Counts the batch's results (in order, up to the end of the probation) and says what they decide.
    mutating func judge(_ results: [ProcessingResult]) -> Verdict {
        let tolerated = policy.toleratedFailures
        if policy.probationRecords - tolerated <= 0 { return .accepted }
        for result in results {
            // A line that is not JSON fails under any version: it says nothing of this one.
            if !result.success, result.error?.failedOperation == .decode { continue }
            if result.success {
                successes += 1
            } else {
                failures += 1
                if firstFailure == nil { firstFailure = result.error }
            }
            if failures > tolerated { return .rejected }
            if successes >= policy.probationRecords - tolerated { return .accepted }
        }
        return .undecided
    }

    /// Why a rejected version was rolled back.
    var summary: String {
        "failed on \(failures) of its first \(judged) records (at most \(policy.toleratedFailures) of \(policy.probationRecords) may fail): "
            + (firstFailure?.message ?? "?")
    }
}
