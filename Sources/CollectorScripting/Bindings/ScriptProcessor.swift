import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// A processor created by a script (`processor.file "p.lua"`), as a Lua userdata.
public final class ScriptProcessor {
    public let processor: any Processor
    public let summary: String

    init(_ processor: any Processor, summary: String) {
        self.processor = processor
        self.summary = summary
    }

    static var luaType: LuaObjectType<ScriptProcessor> { LuaObjectType(name: "processor") { type in
        type.description { $0.summary }
        type.property("name") { .string($0.processor.name) }
        // processor.aggregate's running results.
        type.method("result") { object, call in
            guard let aggregate = object.processor as? AggregateProcessor else {
                throw LuaCallError("result: only processor.aggregate keeps results")
            }
            try call.push(data: Self.data(aggregate.result))
            return 1
        }
    } }

    static func data(_ result: AggregateProcessor.Result) -> DataValue {
        var counts = DataObject()
        for (field, values) in result.counts.sorted(by: { $0.key < $1.key }) {
            var perValue = DataObject()
            for (value, count) in values.sorted(by: { $0.key < $1.key }) { perValue[value] = .integer(Int64(count)) }
            counts[field] = .object(perValue)
        }
        var statistics = DataObject()
        for (field, stats) in result.statistics.sorted(by: { $0.key < $1.key }) {
            var entry: DataObject = [
                "count": .integer(Int64(stats.count)), "sum": .double(stats.sum),
                "non_numeric": .integer(Int64(stats.nonNumeric)),
            ]
            if stats.count > 0 {
                entry["min"] = .double(stats.minimum)
                entry["max"] = .double(stats.maximum)
                entry["mean"] = stats.mean.map(DataValue.double) ?? .null
            }
            statistics[field] = .object(entry)
        }
        return ["records": .integer(Int64(result.records)), "counts": .object(counts), "stats": .object(statistics)]
    }
}

/// The `processor` table.
enum ProcessorBindings {
    /// `collector_lua_memory_bytes{processor,state}`, read from the states at each scrape.
    static func watchMemory(of processor: LuaProcessor, in registry: MetricsRegistry) {
        guard let gauge = try? EngineMetrics(registry: registry).luaMemory else { return }
        let name = processor.name
        registry.onScrape { [weak processor] in
            guard let processor else { return }
            for (index, bytes) in await processor.memoryInUse().enumerated() {
                try? gauge.labels([name, String(index + 1)]).set(Double(bytes))
            }
        }
    }

    static let fileOptions = ["path", "name", "memory", "instructions", "timeout", "parallel", "probation", "config"]

    /// Where a processor file's `require` looks: beside the file first (as
    /// `collector test` does), then the script's own templates.
    static func modulePaths(of file: String, after scriptPaths: [String]) -> [String] {
        let directory = (file as NSString).deletingLastPathComponent
        let base = directory.isEmpty ? "." : directory
        let beside = ["\(base)/?.lua", "\(base)/?/init.lua"]
        return beside + scriptPaths.filter { !beside.contains($0) }
    }

    static func install(in lua: LuaState, bindings: ScriptBindings) throws {
        let table = try lua.table(.object([:]))
        guard case .table(let processors) = table else { return }
        // processor.file "p.lua", processor.file("p.lua", { ... }) or processor.file{ path = "p.lua", ... }
        try lua.set(processors, "file", try lua.function("processor.file") { [unowned lua] call in
            let path: String
            let options: OptionReader
            switch call.value(1) {
            case .table(let table):
                guard case .nil = call.value(2) else {
                    throw LuaCallError("processor.file: give the options once: processor.file { path = \"p.lua\", ... } or processor.file(\"p.lua\", { ... })")
                }
                options = try OptionReader("processor.file", table: table, allowed: fileOptions, in: lua)
                path = try options.requiredString("path")
            case .string, .bytes:
                path = try call.argument(1, as: String.self)
                options = try OptionReader(
                    "processor.file", table: try call.optionalArgument(2, as: LuaTable.self), allowed: fileOptions, in: lua)
                if options.value("path") != nil {
                    throw LuaCallError("processor.file: the path is given twice (as the first argument and as option 'path')")
                }
            default:
                throw LuaCallError(
                    "processor.file: expected a path (processor.file \"p.lua\") or a table of options with 'path' (processor.file { path = \"p.lua\" }), got \(call.value(1).typeName)")
            }
            var settings = LuaProcessorOptions(modulePaths: bindings.modulePaths)
            settings.log = bindings.log
            settings.metrics = bindings.metrics
            if let workers = bindings.settings.workers { settings.parallelism = workers }
            if let memory = try options.size("memory", in: LuaProcessorOptions.memoryRange) { settings.memoryLimit = memory }
            if let instructions = try options.integer("instructions", in: LuaProcessorOptions.instructionRange) {
                settings.instructionLimit = instructions
            }
            if let timeout = try options.duration("timeout", atLeast: .milliseconds(1)) { settings.timeLimit = timeout }
            // `parallel = false` reads as it does in a module's table: one state.
            if case .boolean(let parallel)? = options.value("parallel") {
                if !parallel { settings.parallelism = 1 }
            } else if let parallel = try options.integer("parallel", in: LuaProcessorOptions.parallelismRange) {
                settings.parallelism = parallel
            }
            if let probation = try options.integer("probation", in: 0...Int.max) { settings.reloadPolicy.probationRecords = probation }
            if let config = options.value("config") {
                settings.config = try ProcessorConfig.read(config, in: lua, what: "processor.file: option 'config'")
            }
            let resolved = bindings.resolve(path)
            guard FileManager.default.isReadableFile(atPath: resolved) else {
                throw LuaCallError("processor.file: cannot read \(resolved)")
            }
            settings.modulePaths = Self.modulePaths(of: resolved, after: bindings.modulePaths)
            let name = try options.string("name")
            let loadOptions = settings
            let processor: LuaProcessor
            do {
                processor = try runBlocking { try await LuaProcessor.load(name: name, file: resolved, options: loadOptions) }
            } catch let error as LuaError {
                throw LuaCallError("processor.file: \(error.message)")
            } catch {
                throw LuaCallError("processor.file: \(error)")
            }
            watchMemory(of: processor, in: bindings.metrics)
            // Its reloads (`--watch`, and any later one) reach the script's `on(...)` handlers.
            processor.reloads.report(to: bindings.events)
            processor.reloads.log(to: bindings.log)
            let states = processor.stateCount
            try call.push(LuaObject(ScriptProcessor(
                processor, summary: "processor.file(\(path), \(states) state\(states == 1 ? "" : "s"))")))
            return 1
        })
        try lua.set(processors, "json_validate", try lua.function("processor.json_validate") { [unowned lua] call in
            let options = try OptionReader(
                "processor.json_validate", table: try call.optionalArgument(1, as: LuaTable.self),
                allowed: ["required", "name"], in: lua)
            let required = try options.strings("required") ?? []
            let processor = JSONValidationProcessor(name: try options.string("name") ?? "json_validation", requiredFields: required)
            try call.push(LuaObject(ScriptProcessor(
                processor, summary: "processor.json_validate(required: \(required.joined(separator: ", ")))")))
            return 1
        })
        try lua.set(processors, "aggregate", try lua.function("processor.aggregate") { [unowned lua] call in
            let options = try OptionReader(
                "processor.aggregate", table: try call.optionalArgument(1, as: LuaTable.self),
                allowed: ["count", "stats", "name"], in: lua)
            let count = try options.strings("count") ?? []
            let stats = try options.strings("stats") ?? []
            guard !count.isEmpty || !stats.isEmpty else {
                throw LuaCallError("processor.aggregate: give 'count' (fields whose values to count) or 'stats' (numeric fields)")
            }
            let processor = AggregateProcessor(
                name: try options.string("name") ?? bindings.nextID("aggregate"), countValues: count, statistics: stats)
            try call.push(LuaObject(ScriptProcessor(
                processor, summary: "processor.aggregate(count: \(count.joined(separator: ", ")); stats: \(stats.joined(separator: ", ")))")))
            return 1
        })
        try NativeProcessorBindings.install(in: processors, lua: lua, bindings: bindings)
        try lua.setGlobal("processor", table)
    }
}
