/// The Prometheus text exposition format, version 0.0.4.
///
/// For each family: `# HELP`, `# TYPE`, then one line per sample. Families
/// come in the order given (the registry sorts them by name), series in
/// theirs; a family without series is left out, as Prometheus's own clients do.
public enum PrometheusText {
    /// The `Content-Type` of the exposition.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ families: [MetricFamilySnapshot]) -> String {
        var out = ""
        for family in families where !family.series.isEmpty {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.type.rawValue)\n"
            for series in family.series {
                let labels = Array(zip(family.labelNames, series.labelValues))
                switch series.value {
                case .counter(let value), .gauge(let value):
                    line(&out, family.name, labels, value)
                case .histogram(let histogram):
                    for (bound, count) in zip(histogram.upperBounds, histogram.cumulativeCounts) {
                        line(&out, family.name + "_bucket", labels + [("le", format(bound))], Double(count))
                    }
                    line(&out, family.name + "_bucket", labels + [("le", "+Inf")], Double(histogram.count))
                    line(&out, family.name + "_sum", labels, histogram.sum)
                    line(&out, family.name + "_count", labels, Double(histogram.count))
                }
            }
        }
        return out
    }

    private static func line(_ out: inout String, _ name: String, _ labels: [(String, String)], _ value: Double) {
        out += name
        if !labels.isEmpty {
            out += "{"
            out += labels.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",")
            out += "}"
        }
        out += " "
        out += format(value)
        out += "\n"
    }

    /// A sample value or bucket bound: integers without a fraction (`3`, `1`),
    /// others in the shortest form that reads back the same (`0.005`, `1e-05`),
    /// and `+Inf`, `-Inf`, `NaN`.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(.towardZero), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// In a label value: backslash, double quote and line feed are escaped.
    static func escapeLabelValue(_ text: String) -> String {
        escape(text, quote: true)
    }

    /// In help text: backslash and line feed are escaped.
    static func escapeHelp(_ text: String) -> String {
        escape(text, quote: false)
    }

    private static func escape(_ text: String, quote: Bool) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") || (quote && $0 == UInt8(ascii: "\"")) })
        else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for character in text.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quote: out += "\\\""
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
