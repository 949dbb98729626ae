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
    } }
}

/// The `processor` table.
enum ProcessorBindings {
    static let fileOptions = ["path", "name", "memory", "instructions", "timeout", "parallel", "probation"]

    static func install(in lua: LuaState, bindings: ScriptBindings) throws {
        let table = try lua.table(.object([:]))
        guard case .table(let processors) = table else { return }
        // processor.file "p.lua", processor.file("p.lua", { ... }) or processor.file{ path = "p.lua", ... }
        try lua.set(processors, "file", try lua.function("processor.file") { [unowned lua] call in
            var path = try call.optionalArgument(1, as: String.self)
            let optionsTable = path == nil ? try call.argument(1, as: LuaTable.self) : try call.optionalArgument(2, as: LuaTable.self)
            let options = try OptionReader("processor.file", table: optionsTable, allowed: fileOptions, in: lua)
            if path == nil { path = try options.requiredString("path") }
            guard let path else { return 0 }
            var settings = LuaProcessorOptions(modulePaths: bindings.modulePaths)
            if let memory = try options.size("memory") { settings.memoryLimit = memory }
            if let instructions = try options.integer("instructions") { settings.instructionLimit = instructions }
            if let timeout = try options.duration("timeout") { settings.timeLimit = timeout }
            if let parallel = try options.integer("parallel") { settings.parallelism = max(1, parallel) }
            if let probation = try options.integer("probation") { settings.reloadPolicy.probationRecords = max(0, probation) }
            let resolved = bindings.resolve(path)
            guard FileManager.default.isReadableFile(atPath: resolved) else {
                throw LuaCallError("processor.file: cannot read \(resolved)")
            }
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
            try call.push(LuaObject(ScriptProcessor(
                processor, summary: "processor.file(\(path), \(settings.parallelism) state\(settings.parallelism == 1 ? "" : "s"))")))
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
        try lua.setGlobal("processor", table)
    }
}
