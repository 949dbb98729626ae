import CollectorValues
import Collectors
import LuaRuntime

/// `processor.sample`, `processor.throttle`, `processor.dedup` and
/// `processor.validate`: native steps, whose options are checked where the
/// script calls them.
enum NativeProcessorBindings {
    static func install(in processors: LuaTable, lua: LuaState, bindings: ScriptBindings) throws {
        try lua.set(processors, "sample", try lua.function("processor.sample") { [unowned lua] call in
            let options = try OptionReader(
                "processor.sample", table: try call.optionalArgument(1, as: LuaTable.self),
                allowed: ["every", "rate", "key", "name"], in: lua)
            let key = try keyFields(options)
            let name = try options.string("name") ?? bindings.nextID("sample")
            let processor: SampleProcessor
            switch (try options.integer("every", in: 1...Int(Int32.max)), try options.number("rate")) {
            case (let every?, nil):
                processor = SampleProcessor(name: name, every: every, keyFields: key)
            case (nil, let rate?):
                guard rate > 0, rate <= 1 else {
                    throw LuaCallError("processor.sample: option 'rate' must be a share above 0 and at most 1 (0.1 keeps one record in ten), got \(show(rate))")
                }
                processor = SampleProcessor(name: name, rate: rate, keyFields: key)
            case (_?, _?):
                throw LuaCallError("processor.sample: give 'every' (keep one in N) or 'rate' (a share), not both")
            case (nil, nil):
                throw LuaCallError("processor.sample: give 'every' (keep one record in N: every = 10) or 'rate' (a share: rate = 0.1)")
            }
            let by = key.isEmpty ? "" : " by \(key.joined(separator: ", "))"
            try call.push(LuaObject(ScriptProcessor(processor, summary: "processor.sample(rate: \(processor.rate)\(by))")))
            return 1
        })
        try lua.set(processors, "throttle", try lua.function("processor.throttle") { [unowned lua] call in
            let options = try OptionReader(
                "processor.throttle", table: try call.optionalArgument(1, as: LuaTable.self),
                allowed: ["rate", "per", "burst", "key", "on_excess", "max_keys", "name"], in: lua)
            guard let rate = try options.number("rate") else {
                throw LuaCallError("processor.throttle: option 'rate' is required (records let through per 'per', default per second: rate = 100)")
            }
            guard rate > 0, rate.isFinite else {
                throw LuaCallError("processor.throttle: option 'rate' must be a number of records above 0, got \(show(rate))")
            }
            let per = try options.duration("per", atLeast: .milliseconds(1)) ?? .seconds(1)
            let burst = try options.number("burst")
            if let burst, !(burst >= 1 && burst.isFinite) {
                throw LuaCallError("processor.throttle: option 'burst' must be a number of records, at least 1, got \(show(burst))")
            }
            let excess = try options.choice("on_excess", ThrottleProcessor.Excess.allCases.map(\.rawValue))
                .flatMap(ThrottleProcessor.Excess.init(rawValue:)) ?? .drop
            let key = try keyFields(options)
            let processor = ThrottleProcessor(
                name: try options.string("name") ?? bindings.nextID("throttle"), limit: rate, period: per, burst: burst,
                keyFields: key, excess: excess, maxKeys: try options.integer("max_keys", in: 1...100_000_000) ?? 100_000)
            let by = key.isEmpty ? "" : " per \(key.joined(separator: ", "))"
            try call.push(LuaObject(ScriptProcessor(
                processor, summary: "processor.throttle(\(show(rate)) per \(Units.describe(per))\(by), excess: \(excess.rawValue))")))
            return 1
        })
        try lua.set(processors, "dedup", try lua.function("processor.dedup") { [unowned lua] call in
            let options = try OptionReader(
                "processor.dedup", table: try call.optionalArgument(1, as: LuaTable.self),
                allowed: ["key", "window", "max_keys", "on_duplicate", "name"], in: lua)
            let key = try keyFields(options)
            let window = try options.duration("window", atLeast: .milliseconds(1))
            let duplicate = try options.choice("on_duplicate", DedupProcessor.Duplicate.allCases.map(\.rawValue))
                .flatMap(DedupProcessor.Duplicate.init(rawValue:)) ?? .drop
            let processor = DedupProcessor(
                name: try options.string("name") ?? bindings.nextID("dedup"), keyFields: key, window: window,
                maxKeys: try options.integer("max_keys", in: 1...100_000_000) ?? 100_000, duplicate: duplicate)
            let by = key.isEmpty ? "the whole record" : key.joined(separator: ", ")
            let within = window.map { ", within \(Units.describe($0))" } ?? ""
            try call.push(LuaObject(ScriptProcessor(
                processor, summary: "processor.dedup(by \(by)\(within), \(processor.maxKeys) keys at most)")))
            return 1
        })
        try lua.set(processors, "validate", try lua.function("processor.validate") { [unowned lua] call in
            let options = try OptionReader(
                "processor.validate", table: try call.optionalArgument(1, as: LuaTable.self), allowed: ["schema", "name"],
                in: lua)
            guard let value = options.value("schema") else {
                throw LuaCallError("processor.validate: option 'schema' is required (schema = { type = \"object\", required = { ... }, properties = { ... } })")
            }
            guard case .table = value else {
                throw LuaCallError("processor.validate: option 'schema' must be a table of keywords, got \(value.typeName)")
            }
            let schema: ValidationSchema
            do {
                schema = try ValidationSchema(try lua.data(value, root: "schema"))
            } catch let problem as ValidationSchema.Problem {
                throw LuaCallError("processor.validate: \(problem.message)")
            }
            let processor = ValidateProcessor(name: try options.string("name") ?? bindings.nextID("validate"), schema: schema)
            try call.push(LuaObject(ScriptProcessor(processor, summary: "processor.validate(\(processor.name))")))
            return 1
        })
    }

    /// A number as the script wrote it: `5`, not `5.0`.
    private static func show(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    /// `key = "field"` or `key = { "a", "b" }`: top-level fields; none when not given.
    private static func keyFields(_ options: OptionReader) throws -> [String] {
        if case .string(let field)? = options.value("key") { return [field] }
        let fields = try options.strings("key") ?? []
        if fields.contains(where: \.isEmpty) { throw LuaCallError("\(options.function): option 'key' names an empty field") }
        return fields
    }
}
