import CollectorScripting
import CollectorSources
import Collectors

extension CoreConnectors {
    /// `source.generator`: the canonical workload's sensor readings.
    public static var generator: ConnectorDescription {
        .source(
            "generator",
            summary: "The canonical workload's sensor readings, deterministic for a seed.",
            options: [
                ConnectorOption("count", .integer(0...Int.max), default: "endless", "records in all"),
                ConnectorOption("seed", .integer(), default: "20251128", "the same seed gives the same readings"),
                ConnectorOption("rate", .number(0.001...1e9), default: "as fast as possible", "records per second"),
                ConnectorOption(
                    "batch", .integer(1...1_000_000), default: "100, or 1 with a `rate`", "records per collected item"),
            ]
        ) { options in
            let count = try options.integer("count")
            let seed = try options.integer("seed").map(Int64.init) ?? 20_251_128
            let rate = try options.number("rate")
            let batch = try options.integer("batch") ?? (rate == nil ? 100 : 1)
            let id = options.id
            let source = GeneratorSource(id: id, options: .init(seed: seed, count: count, rate: rate, recordsPerItem: max(1, batch)))
            var summary = "source.generator(\(id), seed \(seed)"
            summary += count.map { ", \($0) records" } ?? ", endless"
            if let rate { summary += ", \(rate)/s" }
            return ConnectorInstance(source, description: summary + ")")
        }
    }
}
