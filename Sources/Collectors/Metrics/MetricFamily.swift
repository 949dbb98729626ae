/// A family of metrics that share a name, a type and label names; each set
/// of label values is one series (`Counter`, `Gauge` or `Histogram`).
///
/// Resolve a series once with `labels(...)` and keep it: that takes the
/// family's lock, updating the series does not.
///
/// ```swift
/// let items = try registry.counter("collector_source_items_total", help: "...", labels: ["source"])
/// let fromAPI = try items.labels("api")
/// fromAPI.increment(by: batch.count)
/// ```
public final class MetricFamily<Series: AnyObject & Sendable>: Sendable {
    public let name: String
    public let help: String
    public let type: MetricType
    public let labelNames: [String]
    /// A histogram family's upper bounds; empty for the other types.
    let buckets: [Double]
    private let maxSeries: Int
    private let make: @Sendable () -> Series
    private let read: @Sendable (Series) -> MetricValue
    private let table = Locked<[[String]: Series]>([:])

    init(
        name: String, help: String, type: MetricType, labelNames: [String], buckets: [Double], maxSeries: Int,
        make: @escaping @Sendable () -> Series, read: @escaping @Sendable (Series) -> MetricValue
    ) {
        self.name = name
        self.help = help
        self.type = type
        self.labelNames = labelNames
        self.buckets = buckets
        self.maxSeries = maxSeries
        self.make = make
        self.read = read
    }

    /// The series for these label values (in `labelNames` order), made on first use.
    /// - Throws: `.invalidLabels` when the number of values is wrong,
    ///   `.tooManySeries` when the family is full.
    public func labels(_ values: String...) throws(MetricsError) -> Series {
        try labels(values)
    }

    /// The series for these label values (in `labelNames` order), made on first use.
    public func labels(_ values: [String]) throws(MetricsError) -> Series {
        guard values.count == labelNames.count else {
            throw MetricsError(
                .invalidLabels, metric: name,
                message: "'\(name)' has \(labelNames.count) label(s) (\(labelNames.joined(separator: ", "))), given \(values.count) value(s)")
        }
        // Label values may be any UTF-8 text, which a Swift string always is; the
        // exposition escapes what needs it.
        let found: Series? = table.withLock { table in
            if let series = table[values] { return series }
            guard table.count < maxSeries else { return nil }
            let series = make()
            table[values] = series
            return series
        }
        guard let found else {
            throw MetricsError(
                .tooManySeries, metric: name,
                message: "'\(name)' already has \(maxSeries) series: a label takes too many values (an id?)")
        }
        return found
    }

    /// The series for these labels, given by name (every label exactly once).
    public func labels(_ values: [String: String]) throws(MetricsError) -> Series {
        let ordered = labelNames.compactMap { values[$0] }
        guard values.count == labelNames.count, ordered.count == labelNames.count else {
            let given = values.keys.sorted().joined(separator: ", ")
            throw MetricsError(
                .invalidLabels, metric: name,
                message: "'\(name)' takes the labels (\(labelNames.joined(separator: ", "))), given (\(given))")
        }
        return try labels(ordered)
    }

    /// Forgets a series (a component that is gone), so it is no longer exposed.
    public func remove(_ values: [String]) {
        _ = table.withLock { $0.removeValue(forKey: values) }
    }

    /// Series ordered by label values, so the exposition is deterministic.
    var snapshot: MetricFamilySnapshot {
        let entries = table.withLock { Array($0) }
        let series = entries.map { MetricSeriesSnapshot(labelValues: $0.key, value: read($0.value)) }
            .sorted { $0.labelValues.lexicographicallyPrecedes($1.labelValues) }
        return MetricFamilySnapshot(name: name, help: help, type: type, labelNames: labelNames, series: series)
    }

    /// The names the family's samples use (a histogram's `_bucket`, `_sum`, `_count`).
    var sampleNames: [String] {
        type == .histogram ? [name + "_bucket", name + "_sum", name + "_count"] : [name]
    }
}

/// A family of counters.
public typealias CounterFamily = MetricFamily<Counter>
/// A family of gauges.
public typealias GaugeFamily = MetricFamily<Gauge>
/// A family of histograms.
public typealias HistogramFamily = MetricFamily<Histogram>
