import CollectorValues
import Collectors
import LuaRuntime

/// A metric family a script or processor defined, as a Lua userdata.
final class ScriptMetric {
    enum Family {
        case counter(CounterFamily)
        case gauge(GaugeFamily)
        case histogram(HistogramFamily)
    }

    let family: Family
    let name: String
    let labelNames: [String]

    init(_ family: Family, name: String, labelNames: [String]) {
        self.family = family
        self.name = name
        self.labelNames = labelNames
    }

    /// The label values of a call: the table argument at `position`, or none for a family without labels.
    func labels(_ call: LuaCall, at position: Int) throws -> [String: String] {
        guard call.argumentCount >= position, case .table = call.value(position) else {
            guard labelNames.isEmpty else {
                throw LuaCallError("\(name): give the labels { \(labelNames.map { "\($0) = ..." }.joined(separator: ", ")) }")
            }
            return [:]
        }
        guard case .object(let object) = try call.data(position) else { return [:] }
        var labels: [String: String] = [:]
        for (key, value) in object {
            if case .bytes = value {
                throw LuaCallError("\(name): label '\(key)' must be text, got \(value.typeDescription)")
            }
            labels[key] = value.stringValue ?? value.intValue.map(String.init) ?? value.numberValue.map { "\($0)" } ?? "\(value)"
        }
        return labels
    }

    static var luaType: LuaObjectType<ScriptMetric> { LuaObjectType(name: "metric") { type in
        type.description { metric in
            let kind = switch metric.family {
            case .counter: "counter"
            case .gauge: "gauge"
            case .histogram: "histogram"
            }
            return "metric.\(kind)(\(metric.name))"
        }
        type.property("name") { .string($0.name) }
        // counter:inc([n] [, labels]), gauge:inc/dec/set/add, histogram:observe(v [, labels]), any:value([labels])
        type.method("inc") { metric, call in
            let hasAmount = call.argumentCount >= 1 && !{ if case .table = call.value(1) { true } else { false } }()
            let amount = hasAmount ? try call.number(1) : 1
            let labels = try metric.labels(call, at: hasAmount ? 2 : 1)
            try metric.wrap {
                switch metric.family {
                case .counter(let family): try family.labels(labels).add(amount)
                case .gauge(let family): try family.labels(labels).add(amount)
                case .histogram: throw LuaCallError("\(metric.name): a histogram takes observe(value), not inc")
                }
            }
            return 0
        }
        type.method("dec") { metric, call in
            let hasAmount = call.argumentCount >= 1 && !{ if case .table = call.value(1) { true } else { false } }()
            let amount = hasAmount ? try call.number(1) : 1
            guard case .gauge(let family) = metric.family else { throw LuaCallError("\(metric.name): only a gauge goes down") }
            let labels = try metric.labels(call, at: hasAmount ? 2 : 1)
            try metric.wrap { try family.labels(labels).add(-amount) }
            return 0
        }
        type.method("set") { metric, call in
            guard case .gauge(let family) = metric.family else { throw LuaCallError("\(metric.name): only a gauge can be set") }
            let value = try call.number(1)
            let labels = try metric.labels(call, at: 2)
            try metric.wrap { try family.labels(labels).set(value) }
            return 0
        }
        type.method("observe") { metric, call in
            guard case .histogram(let family) = metric.family else {
                throw LuaCallError("\(metric.name): only a histogram observes values")
            }
            let value = try call.number(1)
            let labels = try metric.labels(call, at: 2)
            try metric.wrap { try family.labels(labels).observe(value) }
            return 0
        }
        type.method("value") { metric, call in
            let labels = try metric.labels(call, at: 1)
            let value: DataValue = try metric.wrap {
                switch metric.family {
                case .counter(let family): return .double(try family.labels(labels).value)
                case .gauge(let family): return .double(try family.labels(labels).value)
                case .histogram(let family):
                    let snapshot = try family.labels(labels).snapshot
                    return ["count": .integer(Int64(snapshot.count)), "sum": .double(snapshot.sum)]
                }
            }
            try call.push(data: value)
            return 1
        }
    } }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as MetricsError { throw LuaCallError(error.message) }
    }
}

/// The `metrics` table: `metrics.counter(name, help [, labels])`,
/// `metrics.gauge(...)`, `metrics.histogram(name, help [, { labels =, buckets = }])`.
/// Families live in the engine's registry, shared by the script and every
/// processor state, and are served on `/metrics` with `--metrics`. Defining
/// the same family again returns it. A counter's name gets `_total` if it
/// lacks it (the exposition format's rule).
enum MetricsLibrary {
    static func install(in lua: LuaState, registry: MetricsRegistry) throws {
        try lua.register(ScriptMetric.luaType)
        let table = try lua.table(.object([:]))
        guard case .table(let metrics) = table else { return }
        func define(_ kind: String, _ make: @escaping (String, String, [String], [Double]?) throws -> ScriptMetric.Family) throws {
            try lua.set(metrics, kind, try lua.function("metrics.\(kind)") { call in
                var name = try call.string(1)
                let help = try call.optionalArgument(2, as: String.self) ?? name
                var labels: [String] = []
                var buckets: [Double]?
                // Label names are text: anything else is said, not dropped.
                func names(_ items: [DataValue]) throws -> [String] {
                    try items.map { item in
                        guard case .string(let label) = item else {
                            throw LuaCallError("metrics.\(kind): label names must be strings, got \(item.typeDescription)")
                        }
                        return label
                    }
                }
                if call.argumentCount >= 3 {
                    switch try call.data(3) {
                    case .array(let items):
                        labels = try names(items)
                    case .object(let options):
                        labels = try names(options["labels"]?.arrayValue ?? [])
                        buckets = options["buckets"]?.arrayValue?.compactMap(\.numberValue)
                    default: break
                    }
                }
                if kind == "counter", !name.hasSuffix("_total") { name += "_total" }
                do {
                    let family = try make(name, help, labels, buckets)
                    try call.push(LuaObject(ScriptMetric(family, name: name, labelNames: labels)))
                } catch let error as MetricsError {
                    throw LuaCallError("metrics.\(kind): \(error.message)")
                }
                return 1
            })
        }
        try define("counter") { name, help, labels, _ in .counter(try registry.counter(name, help: help, labels: labels)) }
        try define("gauge") { name, help, labels, _ in .gauge(try registry.gauge(name, help: help, labels: labels)) }
        try define("histogram") { name, help, labels, buckets in
            .histogram(try registry.histogram(name, help: help, labels: labels, buckets: buckets ?? Histogram.defaultBuckets))
        }
        try lua.setGlobal("metrics", table)
    }
}
