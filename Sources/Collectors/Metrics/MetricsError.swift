/// Why a metric could not be registered, labelled or changed.
///
/// The message names the metric and says what is wrong, so that it can be
/// shown as it is (a script's error, a configuration error).
public struct MetricsError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A metric or label name that breaks Prometheus's naming rules.
        case invalidName
        /// Label values that do not match the family's label names.
        case invalidLabels
        /// A family of that name exists with another type, labels or buckets,
        /// or its series would collide with another family's.
        case conflict
        /// Histogram buckets that are not finite and strictly increasing.
        case invalidBuckets
        /// The family already has as many series as the registry allows.
        case tooManySeries
        /// A value a metric cannot take (a counter going down, NaN).
        case invalidValue
    }

    public var kind: Kind
    /// The metric concerned.
    public var metric: String
    public var message: String

    public init(_ kind: Kind, metric: String, message: String) {
        self.kind = kind
        self.metric = metric
        self.message = message
    }

    public var description: String { message }
}
