/// When a reloaded version that loaded and passed its tests is still
/// rolled back: too many of its first records failed.
public struct ReloadPolicy: Sendable, Hashable {
    /// How many records a new version is judged on (its probation); 0
    /// accepts a version as soon as it is swapped in.
    public var probationRecords: Int
    /// The share of those records that may fail (0–1): one more and the
    /// version is rolled back. Records that could not be decoded (not JSON)
    /// do not count either way.
    public var maxFailureRate: Double

    public init(probationRecords: Int = 100, maxFailureRate: Double = 0.5) {
        self.probationRecords = max(0, probationRecords)
        self.maxFailureRate = min(max(0, maxFailureRate), 1)
    }

    /// Failures that are still tolerated over the whole probation.
    var toleratedFailures: Int { Int((Double(probationRecords) * maxFailureRate).rounded(.down)) }
}
