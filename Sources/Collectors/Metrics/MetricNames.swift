/// Prometheus's rules for metric and label names.
enum MetricNames {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func checkMetric(_ name: String) throws(MetricsError) {
        guard isValid(name, allowingColon: true) else {
            throw MetricsError(
                .invalidName, metric: name,
                message: "invalid metric name '\(name)': use letters, digits, '_' and ':', not starting with a digit")
        }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved for Prometheus),
    /// unique in the family and not one the family's type reserves (`le` for histograms).
    static func checkLabels(_ labels: [String], metric: String, reserved: Set<String>) throws(MetricsError) {
        var seen = Set<String>()
        for label in labels {
            guard isValid(label, allowingColon: false), !label.hasPrefix("__") else {
                throw MetricsError(
                    .invalidName, metric: metric,
                    message: "invalid label name '\(label)' for '\(metric)': use letters, digits and '_', not starting with a digit or '__'")
            }
            guard !reserved.contains(label) else {
                throw MetricsError(.invalidName, metric: metric, message: "label name '\(label)' is reserved in '\(metric)'")
            }
            guard seen.insert(label).inserted else {
                throw MetricsError(.invalidName, metric: metric, message: "label name '\(label)' is given twice for '\(metric)'")
            }
        }
    }

    private static func isValid(_ name: String, allowingColon: Bool) -> Bool {
        guard let first = name.utf8.first, !isDigit(first) else { return false }
        return name.utf8.allSatisfy { byte in
            isDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z"))
                || byte == UInt8(ascii: "_") || (allowingColon && byte == UInt8(ascii: ":"))
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
