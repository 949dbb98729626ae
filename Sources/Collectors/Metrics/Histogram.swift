/// Observations counted into fixed buckets: latencies, sizes.
///
/// One short lock per observation; the engine observes once per batch
/// (a processor's call, a backend's write), not per record.
public final class Histogram: Sendable {
    /// For latencies in seconds: half a millisecond to ten seconds.
    public static let defaultBuckets: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    private struct State {
        /// Per bucket, observations that fell in it (not cumulative); the last is `+Inf`.
        var counts: [UInt64]
        var sum: Double = 0
    }

    /// Ascending, without `+Inf` (always there).
    public let upperBounds: [Double]
    private let state: Locked<State>

    init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        state = Locked(State(counts: Array(repeating: 0, count: upperBounds.count + 1)))
    }

    /// Counts `value` in the first bucket whose upper bound is at least `value`. NaN is ignored.
    public func observe(_ value: Double) {
        guard !value.isNaN else { return }
        let index = bucketIndex(value)
        state.withLock { s in
            s.counts[index] &+= 1
            s.sum += value
        }
    }

    /// Observes a duration in seconds.
    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(Double(seconds) + Double(attoseconds) * 1e-18)
    }

    /// The buckets, sum and count now.
    public var snapshot: HistogramSnapshot {
        let (counts, sum) = state.withLock { ($0.counts, $0.sum) }
        var cumulative: [UInt64] = []
        cumulative.reserveCapacity(upperBounds.count)
        var running: UInt64 = 0
        for count in counts.dropLast() {
            running &+= count
            cumulative.append(running)
        }
        return HistogramSnapshot(
            upperBounds: upperBounds, cumulativeCounts: cumulative, sum: sum, count: running &+ (counts.last ?? 0))
    }

    /// Binary search: the first bound `>= value`, or the `+Inf` bucket.
    private func bucketIndex(_ value: Double) -> Int {
        var low = 0
        var high = upperBounds.count
        while low < high {
            let middle = (low + high) / 2
            if upperBounds[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The bounds to use: finite, strictly increasing; a trailing `+Inf` is dropped (it is implied).
    static func checkedBounds(_ buckets: [Double], metric: String) throws(MetricsError) -> [Double] {
        var bounds = buckets
        if bounds.last == .infinity { bounds.removeLast() }
        guard bounds.allSatisfy(\.isFinite) else {
            throw MetricsError(.invalidBuckets, metric: metric, message: "the buckets of '\(metric)' must be finite numbers")
        }
        guard zip(bounds, bounds.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw MetricsError(.invalidBuckets, metric: metric, message: "the buckets of '\(metric)' must be strictly increasing")
        }
        return bounds
    }
}
