import CollectorScripting
import LuaRuntime

/// `time.parse` and `time.format` as a script calls them: RFC 3339 text to
/// seconds and back, in a loop in Lua (so each figure includes the Lua -> Swift call).
func runTimeBenchmark() throws {
    let lua = try LuaState(LuaOptions(libraries: .full))
    _ = try ScriptBindings(installingIn: lua, scriptPath: "bench.lua")
    let calls = 1_000_000
    let parse = try lua.load("""
        local parse, t = time.parse, 0
        for i = 1, \(calls) do t = parse("2024-03-01T12:30:00.250+01:00") end
        return t
        """, name: "=parse")
    try measure("time.parse, RFC 3339 with fraction and offset", operations: calls) {
        let t = try lua.call(parse, returning: Double.self)
        precondition(t == 1_709_292_600.25)
    }
    let parseFormat = try lua.load("""
        local parse, t = time.parse, 0
        for i = 1, \(calls) do t = parse("01/Mar/2024:12:30:00 +0100", "%d/%b/%Y:%H:%M:%S %z") end
        return t
        """, name: "=parse-format")
    try measure("time.parse, a strftime format (access log)", operations: calls) {
        let t = try lua.call(parseFormat, returning: Int64.self)
        precondition(t == 1_709_292_600)
    }
    let format = try lua.load("""
        local format, s = time.format, ""
        for i = 1, \(calls) do s = format(1709292600.25 + i) end
        return s
        """, name: "=format")
    try measure("time.format, RFC 3339 with milliseconds", operations: calls) {
        let s = try lua.call(format, returning: String.self)
        precondition(s.hasSuffix(".250Z"))
    }
}
