import Testing

@testable import CollectorScripting

/// `time.format`'s writer: RFC 3339 by default, strftime-style formats, UTC
/// offsets, and round trips with the reader.
@Suite("time: formatting")
struct TimeFormatterTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_709_296_200, "2024-03-01T12:30:00Z"),
        (1_709_296_200.25, "2024-03-01T12:30:00.250Z"),
        (1_709_296_200.0004, "2024-03-01T12:30:00Z"),
        (1_709_296_200.9996, "2024-03-01T12:30:01Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (-0.5, "1969-12-31T23:59:59.500Z"),
        (-2_208_988_800, "1900-01-01T00:00:00Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (-62_167_219_200, "0000-01-01T00:00:00Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
        (253_402_300_799.999, "9999-12-31T23:59:59.999Z"),
    ])
    func writesRFC3339(seconds: Double, expected: String) throws {
        #expect(try TimeFormatter.format(seconds) == expected)
    }

    @Test func writesTheOffsetItIsGiven() throws {
        #expect(try TimeFormatter.format(1_709_296_200, offset: 3600) == "2024-03-01T13:30:00+01:00")
        #expect(try TimeFormatter.format(1_709_296_200, offset: -19_800) == "2024-03-01T07:00:00-05:30")
        #expect(try TimeFormatter.format(0, offset: -3600) == "1969-12-31T23:00:00-01:00")
        #expect(try TimeFormatter.format(1_709_296_200, format: "%z %:z %Z", offset: -19_800) == "-0530 -05:30 -05:30")
        #expect(try TimeFormatter.format(1_709_296_200, format: "%z %:z %Z") == "+0000 +00:00 UTC")
    }

    @Test(arguments: [
        ("%Y-%m-%d %H:%M:%S", "2024-03-01 12:30:05"),
        ("%F %T", "2024-03-01 12:30:05"),
        ("%d/%b/%Y:%R", "01/Mar/2024:12:30"),
        ("%a, %d %b %Y %H:%M:%S %Z", "Fri, 01 Mar 2024 12:30:05 UTC"),
        ("%A %e %B %y", "Friday  1 March 24"),
        ("%I:%M %p", "12:30 PM"),
        ("%j %u %w %C", "061 5 5 20"),
        ("%s", "1709296205"),
        ("%S.%f", "05.123457"),
        ("%S.%3f", "05.123"),
        ("%S.%1f|%3f", "05.1|123"),
        ("100%% %n%t", "100% \n\t"),
        ("no directives", "no directives"),
        ("", ""),
    ])
    func writesFormats(format: String, expected: String) throws {
        #expect(try TimeFormatter.format(1_709_296_205.1234568, format: format) == expected)
    }

    @Test func roundsAtTheFinestFractionItWrites() throws {
        // Rounding carries into the seconds, minutes and on, once for the whole text.
        #expect(try TimeFormatter.format(1_709_337_599.9996, format: "%F %T.%3f") == "2024-03-02 00:00:00.000")
        #expect(try TimeFormatter.format(1_709_337_599.9996, format: "%F %T") == "2024-03-01 23:59:59")
        #expect(try TimeFormatter.format(-0.0000001, format: "%T.%6f") == "00:00:00.000000")
        #expect(try TimeFormatter.format(0.5, format: "%S.%9f") == "00.500000000")
    }

    @Test(arguments: [
        (Double.nan, nil as String?, "NaN is not a time"),
        (Double.infinity, nil, "infinity is not a time"),
        (-Double.infinity, nil, "infinity is not a time"),
        (1e20, nil, "1e+20 seconds is out of range (years 0000-9999)"),
        (-62_167_219_201, nil, "-62167219201 seconds is out of range"),
        (253_402_300_800, nil, "253402300800 seconds is out of range"),
        (253_402_300_799.9999, nil, "seconds is out of range"),
        (0, "%Y %Q", "unknown directive %Q in the format at position 4 of the format"),
        (0, "%", "the format ends with an unfinished directive at position 1 of the format"),
    ])
    func refusesWhatItCannotWrite(seconds: Double, format: String?, problem: String) throws {
        var error: TimeTextError?
        do { _ = try TimeFormatter.format(seconds, format: format) } catch let thrown { error = thrown }
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "no error")")
    }

    @Test func parsingWhatWasFormattedGivesTheSameTime() throws {
        // Milliseconds survive the default format exactly, across the whole range and before the epoch.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var failures: [String] = []
        let span = UInt64(CivilDate.lastSecond - CivilDate.firstSecond)
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let whole = CivilDate.firstSecond + Int64((state >> 11) % span)
            let milliseconds = Int64((state >> 3) % 1000)
            let seconds = Double(whole * 1000 + milliseconds) / 1000
            let text = try TimeFormatter.format(seconds)
            let back = try TimeParser.parse(text).doubleValue
            if back != seconds { failures.append("\(seconds) -> \(text) -> \(back)") }
            if try TimeFormatter.format(back) != text { failures.append("\(text) formats differently again") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test func formattingWhatWasParsedGivesTheSameText() throws {
        for text in ["2024-03-01T12:30:00Z", "1969-07-20T20:17:40.125Z", "0001-01-01T00:00:00.001Z", "2000-02-29T23:59:59.999Z"] {
            #expect(try TimeFormatter.format(TimeParser.parse(text).doubleValue) == text)
        }
        let format = "%a %d %b %Y %I:%M:%S %p %z"
        let text = "Sun 20 Jul 1969 08:17:40 PM +0000"
        #expect(try TimeFormatter.format(TimeParser.parse(text, format: format).doubleValue, format: format) == text)
        let local = "1969-07-20T21:17:40+01:00"
        #expect(try TimeFormatter.format(TimeParser.parse(local).doubleValue, offset: 3600) == local)
    }
}
