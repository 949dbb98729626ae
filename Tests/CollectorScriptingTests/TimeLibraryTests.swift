import Foundation
import LuaRuntime
import Testing

@testable import CollectorScripting

/// The `time` table as Lua sees it, in a sandboxed state like a processor's:
/// results' types, errors for bad arguments and text, and `time.now()` on
/// the tests' simulated clock.
@Suite("time: the Lua library")
struct TimeLibraryTests {
    static func state(clock: TimeLibrary.Clock = .real) throws -> LuaState {
        let lua = try LuaState(LuaOptions(libraries: .sandboxed))
        try TimeLibrary.install(in: lua, clock: clock)
        return lua
    }

    /// The message of the error `code` raises (nil when it raises none).
    static func error(_ code: String, in lua: LuaState) throws -> String? {
        let result = try lua.run("local ok, message = pcall(function() \(code) end) return ok and '' or tostring(message)")
        let message = result.first?.stringValue
        return message == "" ? nil : message
    }

    @Test func parseGivesAnIntegerForWholeSecondsAndAFloatForFractions() throws {
        let lua = try Self.state()
        let result = try lua.run("""
            local whole = time.parse("2024-03-01T12:30:00Z")
            local fraction = time.parse("2024-03-01T12:30:00.5Z")
            local formatted = time.parse("01/03/2024 12:30", "%d/%m/%Y %H:%M")
            return math.type(whole), whole, math.type(fraction), fraction, formatted
            """)
        #expect(result.count == 5)
        #expect(result.map(\.stringValue) == ["integer", nil, "float", nil, nil])
        #expect(result.map(\.integerValue) == [nil, 1_709_296_200, nil, nil, 1_709_296_200])
        if case .number(let fraction) = result[3] { #expect(fraction == 1_709_296_200.5) } else { Issue.record("not a float: \(result[3])") }
    }

    @Test func formatWritesRFC3339OrTheFormatAtTheOffset() throws {
        let lua = try Self.state()
        let result = try lua.run("""
            return time.format(1709296200), time.format(1709296200.25), time.format(0, "%d %b %Y"),
              time.format(1709296200, nil, 3600), time.format(1709296200, nil, "-05:30"), time.format(1709296200, "%H:%M", "UTC"),
              time.format(time.parse("1969-07-20T20:17:40.125Z"))
            """)
        #expect(result.map(\.stringValue) == [
            "2024-03-01T12:30:00Z", "2024-03-01T12:30:00.250Z", "01 Jan 1970",
            "2024-03-01T13:30:00+01:00", "2024-03-01T07:00:00-05:30", "12:30", "1969-07-20T20:17:40.125Z",
        ])
    }

    @Test(arguments: [
        ("time.parse('2024-13-01')", "time.parse: \"2024-13-01\": month 13 out of range (01-12) at position 6"),
        ("time.parse('2024-02-30T10:00:00Z')", "day 30 out of range (01-29 of February 2024) at position 9"),
        ("time.parse('2024-01-01T25:00:00Z')", "hour 25 out of range (00-23) at position 12"),
        ("time.parse('123456-01-01')", "the year has more than 4 digits at position 1"),
        ("time.parse('2024-01-01', '%Y-%m-%d %H')", "expected the hour (digits), found the end of the text at position 11"),
        ("time.parse('2024-01-01', '%Y-%k')", "unknown directive %k in the format at position 4 of the format"),
        ("time.parse(('x'):rep(100))", "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"...: expected the year"),
        ("time.parse()", "bad argument #1 to 'time.parse' (string expected, got nil)"),
        ("time.parse(20240101)", "bad argument #1 to 'time.parse' (string expected, got number)"),
        ("time.parse('2024-01-01', 5)", "bad argument #2 to 'time.parse' (format string expected, got number)"),
        ("time.format('2024-01-01')", "bad argument #1 to 'time.format' (number expected (seconds since the epoch), got string)"),
        ("time.format(0, '%Y\\255')", "bad argument #2 to 'time.format' (the format is not valid UTF-8)"),
        ("time.format(0, nil, '+01\\255')", "bad argument #3 to 'time.format' (the offset is not valid UTF-8)"),
        ("time.parse('2024\\255')", "expected '-' after the year, found '\\xFF' at position 5"),
        ("time.format(0, {})", "bad argument #2 to 'time.format' (format string expected, got table)"),
        ("time.format(0, nil, 'Europe/Paris')", "bad argument #3 to 'time.format' (offset expected (seconds east of UTC, or \"+hh:mm\"), got \"Europe/Paris\")"),
        ("time.format(0, nil, 90000)", "offset 90000 out of range"),
        ("time.format(0, nil, 61)", "offset 61 out of range"),
        ("time.format(0, nil, 0/0)", "bad argument #3 to 'time.format' (offset expected"),
        ("time.format(1e300)", "time.format: 1e+300 seconds is out of range (years 0000-9999)"),
        ("time.format(0/0)", "time.format: NaN is not a time"),
        ("time.format(math.maxinteger)", "seconds is out of range (years 0000-9999)"),
        ("time.format(0, '%')", "time.format: the format ends with an unfinished directive at position 1 of the format"),
    ])
    func badArgumentsAndBadTextRaiseErrorsThatSayWhatAndWhere(code: String, message: String) throws {
        let lua = try Self.state()
        let got = try Self.error(code, in: lua)
        #expect(got?.contains(message) == true, "\(got ?? "no error")")
    }

    @Test func theREPLDocumentsEachFunction() {
        #expect(APIDocumentation.lookup("time.parse")?.contains("RFC 3339 / ISO 8601 by default") == true)
        #expect(APIDocumentation.lookup("time.format")?.contains("seconds east of UTC") == true)
        #expect(APIDocumentation.lookup("time.now")?.contains("simulated clock") == true)
        #expect(APIDocumentation.names.contains("time.parse"))
    }

    @Test func nowIsTheRealClockOrTheSimulatedOne() throws {
        let before = Date().timeIntervalSince1970
        let real = try Self.state().run("return time.now()").first?.numberValue ?? 0
        #expect(real >= before - 1 && real <= Date().timeIntervalSince1970 + 1)
        let simulated = SimulatedNow()
        let lua = try Self.state(clock: .simulated(simulated))
        #expect(try lua.run("return time.now()").first?.numberValue == 0)
        simulated.seconds = 90.5
        #expect(try lua.run("return time.now()").first?.numberValue == 90.5)
    }
}
