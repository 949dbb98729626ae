/// The metric families of a process, and their text exposition.
///
/// Register a family once (`counter`, `gauge`, `histogram`); registering the
/// same name again with the same type, labels (and buckets) returns the
/// family already there (its first help text stays), with anything else it
/// is a `.conflict` error. Series are made on first use of their label values.
///
/// Values that are cheaper to read than to keep current (a queue's depth,
/// a Lua state's memory) are set by scrape hooks (`onScrape`), which
/// `scrape()` runs just before rendering.
///
/// Thread-safe; updating a series never takes the registry's lock.
public final class MetricsRegistry: Sendable {
    /// Beyond this many series a family refuses new label values: a label
    /// that takes a value per record would otherwise grow without bound.
    public static let defaultMaxSeriesPerFamily = 10_000

    public let maxSeriesPerFamily: Int

    private struct State {
        var families: [String: any RegisteredFamily] = [:]
        /// Every sample name in use (a histogram's `_bucket`, `_sum`, `_count`
        /// too), and the family that uses it: two families must not expose the same one.
        var owners: [String: String] = [:]
    }

    private let state = Locked(State())
    private let hooks = ScrapeHooks()

    public init(maxSeriesPerFamily: Int = MetricsRegistry.defaultMaxSeriesPerFamily) {
        self.maxSeriesPerFamily = max(1, maxSeriesPerFamily)
    }

    /// A family of counters. By convention the name ends with `_total`.
    /// - Throws: `.invalidName` or `.conflict`.
    public func counter(_ name: String, help: String, labels: [String] = []) throws(MetricsError) -> CounterFamily {
        try register(name, help: help, type: .counter, labels: labels, buckets: []) { Counter() } read: {
            .counter($0.value)
        }
    }

    /// A family of gauges.
    /// - Throws: `.invalidName` or `.conflict`.
    public func gauge(_ name: String, help: String, labels: [String] = []) throws(MetricsError) -> GaugeFamily {
        try register(name, help: help, type: .gauge, labels: labels, buckets: []) { Gauge() } read: { .gauge($0.value) }
    }

    /// A family of histograms with these bucket upper bounds (`+Inf` is implied).
    /// By convention a latency is in seconds and its name ends with `_seconds`.
    /// - Throws: `.invalidName`, `.invalidBuckets` or `.conflict`; `le` is not a valid label here.
    public func histogram(
        _ name: String, help: String, labels: [String] = [], buckets: [Double] = Histogram.defaultBuckets
    ) throws(MetricsError) -> HistogramFamily {
        let bounds = try Histogram.checkedBounds(buckets, metric: name)
        return try register(name, help: help, type: .histogram, labels: labels, buckets: bounds) {
            Histogram(upperBounds: bounds)
        } read: {
            .histogram($0.snapshot)
        }
    }

    /// Every family, ordered by name, with its series ordered by label values.
    public func snapshot() -> [MetricFamilySnapshot] {
        let families = state.withLock { Array($0.families.values) }
        return families.map(\.snapshot).sorted { $0.name < $1.name }
    }

    /// One series' value, or `nil` if there is no such family or series.
    public func value(_ name: String, labels: [String: String] = [:]) -> MetricValue? {
        guard let family = state.withLock({ $0.families[name] }), labels.count == family.labelNames.count else {
            return nil
        }
        let wanted = family.labelNames.map { labels[$0] }
        return family.snapshot.series.first { $0.labelValues.map(Optional.some) == wanted }?.value
    }

    /// The text exposition (format 0.0.4) of the values as they are, without running scrape hooks.
    public func render() -> String {
        PrometheusText.render(snapshot())
    }

    /// Runs the scrape hooks, then renders. A hook that has not finished
    /// within `hookTimeout` does not hold the scrape up: its values are
    /// whatever it last set, and it is not started again while it runs.
    public func scrape(hookTimeout: Duration = .seconds(1)) async -> String {
        await hooks.run(timeout: hookTimeout)
        return render()
    }

    /// Adds a hook that `scrape()` runs before rendering, to set values read
    /// on demand (a gauge of a Lua state's memory, read on its worker).
    @discardableResult
    public func onScrape(_ hook: @escaping @Sendable () async -> Void) -> ScrapeHookToken {
        hooks.add(hook)
    }

    /// Removes a hook; unknown tokens are ignored.
    public func removeScrapeHook(_ token: ScrapeHookToken) {
        hooks.remove(token)
    }

    private func register<Series: AnyObject & Sendable>(
        _ name: String, help: String, type: MetricType, labels: [String], buckets: [Double],
        make: @escaping @Sendable () -> Series, read: @escaping @Sendable (Series) -> MetricValue
    ) throws(MetricsError) -> MetricFamily<Series> {
        try MetricNames.checkMetric(name)
        try MetricNames.checkLabels(labels, metric: name, reserved: type == .histogram ? ["le"] : [])
        let maxSeries = maxSeriesPerFamily
        let outcome = state.withLock { s -> Result<MetricFamily<Series>, MetricsError> in
            if let existing = s.families[name] {
                guard let same = existing as? MetricFamily<Series>, same.labelNames == labels, same.buckets == buckets else {
                    return .failure(Self.conflict(name, existing: existing))
                }
                return .success(same)
            }
            let family = MetricFamily(
                name: name, help: help, type: type, labelNames: labels, buckets: buckets, maxSeries: maxSeries,
                make: make, read: read)
            let names = Set([name] + family.sampleNames)
            if let taken = names.first(where: { s.owners[$0] != nil }), let owner = s.owners[taken] {
                return .failure(
                    MetricsError(
                        .conflict, metric: name,
                        message: "'\(name)' would expose '\(taken)', which the metric '\(owner)' already exposes"))
            }
            s.families[name] = family
            for sample in names { s.owners[sample] = name }
            return .success(family)
        }
        let family = try outcome.get()
        // A family without labels has one series; it is exposed (at zero) from the start.
        if labels.isEmpty { _ = try family.labels() }
        return family
    }

    private static func conflict(_ name: String, existing: any RegisteredFamily) -> MetricsError {
        var shape = "a \(existing.type.rawValue) with labels (\(existing.labelNames.joined(separator: ", ")))"
        if existing.type == .histogram { shape += " and buckets \(existing.buckets)" }
        return MetricsError(.conflict, metric: name, message: "'\(name)' is already registered as \(shape)")
    }
}

/// What the registry needs of a family whatever its series type.
protocol RegisteredFamily: Sendable {
    var name: String { get }
    var type: MetricType { get }
    var labelNames: [String] { get }
    var buckets: [Double] { get }
    var sampleNames: [String] { get }
    var snapshot: MetricFamilySnapshot { get }
}

extension MetricFamily: RegisteredFamily {}
