import Collectors
import LuaRuntime

/// Who is logging from a Lua state: the processor, and the record being processed.
final class LogOrigin {
    let processor: String?
    var sourceID: String?
    var sequence: UInt64?

    init(processor: String?) { self.processor = processor }
}

/// The `log` table: `log.debug(...)`, `log.info(...)`, `log.warn(...)`,
/// `log.error(...)`. Arguments are joined like `print`'s; a last argument
/// that is a table gives extra `key=value` fields. Lines from a processor
/// carry its name and the record's source and sequence.
enum LogLibrary {
    /// Fields that say which record a line is about: the same line for
    /// another record is a repeat (the fields the caller gives are not).
    static let recordFields: Set<String> = ["source_id", "sequence"]

    static func install(in lua: LuaState, sink: LogSink, origin: LogOrigin) throws {
        let table = try lua.table(.object([:]))
        guard case .table(let log) = table else { return }
        for level in LogLevel.allCases {
            try lua.set(log, level.description, try lua.function("log.\(level)") { [unowned lua] call in
                guard sink.enabled(level) else { return 0 }
                var parts: [String] = []
                var fields: [(String, String)] = []
                if let processor = origin.processor { fields.append(("processor", processor)) }
                if let source = origin.sourceID { fields.append(("source_id", source)) }
                if let sequence = origin.sequence { fields.append(("sequence", String(sequence))) }
                for position in stride(from: 1, through: call.argumentCount, by: 1) {
                    let value = call.value(position)
                    if position == call.argumentCount, position > 1, case .table = value {
                        for (key, item) in try lua.entries(of: try call.table(position)) {
                            fields.append((try lua.describe(key), try lua.describe(item)))
                        }
                    } else {
                        parts.append(try lua.describe(value))
                    }
                }
                sink.log(level, parts.joined(separator: " "), fields: fields, context: recordFields)
                return 0
            })
        }
        try lua.setGlobal("log", table)
    }
}
