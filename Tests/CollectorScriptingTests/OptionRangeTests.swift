import Testing

@testable import CollectorScripting
@testable import LuaRuntime

/// Sizes, durations and counts out of range are option errors naming the
/// option: never a trap of the process (an unchecked `Int(Double)`), never
/// a silent clamp.
@Suite("Option ranges")
struct OptionRangeTests {
    @Test(arguments: [
        ("64KB", Units.ParsedSize.valid(65_536)), ("1.5MB", .valid(1_572_864)), ("512", .valid(512)), ("0B", .valid(0)),
        ("1e30GB", .tooLarge), ("1e19B", .tooLarge), ("1e19", .tooLarge), ("9e18B", .valid(9_000_000_000_000_000_000)),
        ("lots", .malformed), ("-1KB", .malformed), ("nanMB", .malformed), ("infGB", .tooLarge), ("1.5", .malformed),
    ])
    func sizesParseWithoutTrapping(_ text: String, _ expected: Units.ParsedSize) {
        #expect(Units.parseSize(text) == expected)
    }

    @Test(arguments: [
        ("250ms", Units.ParsedDuration.valid(.milliseconds(250))), ("1h", .valid(.seconds(3600))), ("2.5", .valid(.milliseconds(2500))),
        ("1000000000s", .valid(.seconds(1_000_000_000))), ("1e15s", .tooLong), ("1e300", .tooLong), ("infh", .tooLong),
        ("-1s", .malformed), ("nans", .malformed), ("soon", .malformed),
    ])
    func durationsParseWithoutTrapping(_ text: String, _ expected: Units.ParsedDuration) {
        #expect(Units.parseDuration(text) == expected)
    }

    static func error(_ source: String) throws -> String {
        let lua = try LuaState(LuaOptions(libraries: .full))
        try lua.register("check") { [unowned lua] call in
            let options = try OptionReader("check", table: try call.argument(1, as: LuaTable.self), allowed: ["size", "count", "wait", "rate"], in: lua)
            _ = try options.size("size", in: 4096...Int.max)
            _ = try options.integer("count", in: 1...1024)
            _ = try options.duration("wait", atLeast: .milliseconds(1))
            _ = try options.number("rate", in: 0.001...1e9)
            return 0
        }
        let result = try lua.run("return select(2, pcall(check, \(source)))")
        return result.first?.stringValue ?? "no error"
    }

    @Test func outOfRangeOptionsAreErrorsThatNameTheOptionAndTheRange() throws {
        #expect(try Self.error("{ size = '1e30GB' }").hasSuffix("check: option 'size' must be a size of at most 9223372036854775807 bytes, got \"1e30GB\""))
        #expect(try Self.error("{ size = 1e19 }").contains("option 'size' must be a size of at most"))
        #expect(try Self.error("{ size = 100 }").hasSuffix("check: option 'size' must be a size at least 4096, got 100 bytes"))
        #expect(try Self.error("{ count = 0 }").hasSuffix("check: option 'count' must be an integer from 1 to 1024, got 0"))
        #expect(try Self.error("{ count = 1e12 }").hasSuffix("option 'count' must be an integer from 1 to 1024, got 1000000000000"))
        #expect(try Self.error("{ wait = 0 }").hasSuffix("check: option 'wait' must be a duration of at least 1ms, got 0s"))
        #expect(try Self.error("{ wait = '1e300s' }").hasSuffix("check: option 'wait' must be a duration of at most 1000000000s, got \"1e300s\""))
        let long = try Self.error("{ wait = 1e15 }")
        #expect(long.hasSuffix("check: option 'wait' must be a duration of at most 1000000000s, got 1000000000000000.0"), "\(long)")
        #expect(try Self.error("{ wait = 'soon' }").hasSuffix("check: option 'wait' must be a duration (\"250ms\", \"10s\", \"1m\", \"1h\" or seconds), got \"soon\""))
        #expect(try Self.error("{ rate = 1e-12 }").contains("option 'rate' must be a number from 0.001 to 1000000000.0, got 1e-12"))
        #expect(try Self.error("{ size = '8KB', count = 4, wait = '1s', rate = 10 }") == "no error")
    }
}
