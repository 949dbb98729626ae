/// The kind of a metric family, as the exposition format names it.
public enum MetricType: String, Sendable, Hashable {
    case counter
    case gauge
    case histogram
}

/// A family's series as they were when the snapshot was taken.
public struct MetricFamilySnapshot: Sendable, Hashable {
    public var name: String
    public var help: String
    public var type: MetricType
    public var labelNames: [String]
    /// Ordered by label values.
    public var series: [MetricSeriesSnapshot]
}

/// One series: its label values (in the family's label order) and its value.
public struct MetricSeriesSnapshot: Sendable, Hashable {
    public var labelValues: [String]
    public var value: MetricValue
}

/// A series' value.
public enum MetricValue: Sendable, Hashable {
    case counter(Double)
    case gauge(Double)
    case histogram(HistogramSnapshot)
}

/// A histogram's state: cumulative bucket counts, as exposed.
public struct HistogramSnapshot: Sendable, Hashable {
    /// Ascending, without `+Inf`.
    public var upperBounds: [Double]
    /// Per upper bound, how many observations were at most that.
    public var cumulativeCounts: [UInt64]
    public var sum: Double
    /// All observations: the `+Inf` bucket.
    public var count: UInt64
}
