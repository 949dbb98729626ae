import CollectorValues
import LuaRuntime

/// The `json` table, in scripts and in processors:
/// `json.decode(text)`, `json.encode(value [, { pretty =, sort_keys = }])`,
/// `json.array(t)`, `json.object(t)` (mark a table's kind, for empty ones)
/// and `json.null`.
enum JSONLibrary {
    static func install(in lua: LuaState) throws {
        let table = try lua.table(.object([:]))
        guard case .table(let json) = table else { return }
        try lua.set(json, "decode", try lua.function("json.decode") { call in
            let bytes: [UInt8]
            switch call.value(1) {
            case .string(let text): bytes = Array(text.utf8)
            case .bytes(let raw): bytes = raw
            case let other:
                throw LuaArgumentError(position: 1, function: "json.decode", problem: "string expected, got \(other.typeName)")
            }
            do {
                try call.push(json: bytes[...])
            } catch let error as LuaError {
                // Invalid JSON says where; a limit (memory, stack) says which, then where.
                let text = error.kind == .conversion ? (error.underlyingError as? JSONError)?.description : nil
                throw LuaCallError("json.decode: \(text ?? error.message)")
            }
            return 1
        })
        try lua.set(json, "encode", try lua.function("json.encode") { call in
            let value = try call.data(1)
            var writer = JSONWriter()
            if call.argumentCount >= 2, case .table = call.value(2) {
                let options = try call.data(2)
                writer.pretty = options["pretty"] == .bool(true)
                writer.sortedKeys = options["sort_keys"] == .bool(true)
            }
            do {
                try call.push(try writer.string(value))
            } catch let error as JSONError {
                throw LuaCallError("json.encode: \(error.description)")
            }
            return 1
        })
        try lua.set(json, "array", try lua.function("json.array") { call in
            try call.markTable(1, asArray: true)
            call.pushArgument(1)
            return 1
        })
        try lua.set(json, "object", try lua.function("json.object") { call in
            try call.markTable(1, asArray: false)
            call.pushArgument(1)
            return 1
        })
        try lua.set(json, "null", LuaValue.null)
        try lua.setGlobal("json", table)
    }
}
