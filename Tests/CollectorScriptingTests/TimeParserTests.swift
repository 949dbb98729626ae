import Testing

@testable import CollectorScripting

/// `time.parse`'s reader: RFC 3339 by default, strftime-style formats, and
/// the errors for text that is not a time, with where it stops.
@Suite("time: parsing")
struct TimeParserTests {
    static func seconds(_ text: String, _ format: String? = nil) throws -> Double {
        try TimeParser.parse(text, format: format).doubleValue
    }

    static func failure(_ text: String, _ format: String? = nil) -> TimeTextError? {
        do {
            _ = try TimeParser.parse(text, format: format)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("1970-01-01", 0.0),
        ("1970-01-01T00:00:00Z", 0),
        ("2024-03-01T12:30:00Z", 1_709_296_200),
        ("2024-03-01t12:30:00z", 1_709_296_200),
        ("2024-03-01 12:30:00Z", 1_709_296_200),
        ("2024-03-01T12:30Z", 1_709_296_200),
        ("2024-03-01T12:30:00", 1_709_296_200),
        ("2024-03-01T13:30:00+01:00", 1_709_296_200),
        ("2024-03-01T07:00:00-05:30", 1_709_296_200),
        ("2024-03-01T13:30:00+0100", 1_709_296_200),
        ("2024-03-01T13:30:00+01", 1_709_296_200),
        ("2024-03-01T12:30:00.250Z", 1_709_296_200.25),
        ("2024-03-01T12:30:00,5Z", 1_709_296_200.5),
        ("1969-12-31T23:59:59Z", -1),
        ("1969-12-31T23:59:59.5Z", -0.5),
        ("1900-01-01", -2_208_988_800),
        ("0000-01-01T00:00:00Z", -62_167_219_200),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("2000-02-29", 951_782_400),
        ("2024-02-29T00:00:00Z", 1_709_164_800),
        ("2016-12-31T23:59:60Z", 1_483_228_800),
        ("20240301", 1_709_251_200),
        ("20240301T123000Z", 1_709_296_200),
        ("20240301T1330+0100", 1_709_296_200),
        ("20240301t123000.5z", 1_709_296_200.5),
    ])
    func readsRFC3339(text: String, expected: Double) throws {
        #expect(try Self.seconds(text) == expected)
    }

    @Test func fractionsKeepNanosecondsAndDropFurtherDigits() throws {
        #expect(try TimeParser.parse("2024-03-01T12:30:00.123456789Z") == ParsedTime(seconds: 1_709_296_200, nanoseconds: 123_456_789))
        #expect(try TimeParser.parse("2024-03-01T12:30:00.1234567891234Z") == ParsedTime(seconds: 1_709_296_200, nanoseconds: 123_456_789))
        #expect(try TimeParser.parse("1970-01-01T00:00:00.000001Z").doubleValue == 0.000001)
        #expect(abs(try Self.seconds("2024-03-01T12:30:00.123456789Z") - 1_709_296_200.123456789) < 1e-6)
    }

    @Test func wholeSecondsAreIntegersAndFractionsAreNot() throws {
        #expect(try TimeParser.parse("2024-03-01T12:30:00Z").integerValue == 1_709_296_200)
        #expect(try TimeParser.parse("2024-03-01T12:30:00.000Z").integerValue == 1_709_296_200)
        #expect(try TimeParser.parse("2024-03-01T12:30:00.001Z").integerValue == nil)
    }

    @Test(arguments: [
        // text, problem (a part of the message), position
        ("2024-13-01", "month 13 out of range (01-12)", 6),
        ("2023-02-29", "day 29 out of range (01-28 of February 2023)", 9),
        ("2024-02-30", "day 30 out of range (01-29 of February 2024)", 9),
        ("2024-04-31", "day 31 out of range (01-30", 9),
        ("2024-00-10", "month 0 out of range", 6),
        ("2024-01-00", "day 0 out of range", 9),
        ("2024-01-01T25:00:00Z", "hour 25 out of range (00-23)", 12),
        ("2024-01-01T24:00:00Z", "hour 24 out of range", 12),
        ("2024-01-01T23:60:00Z", "minute 60 out of range", 15),
        ("2024-01-01T23:59:61Z", "second 61 out of range", 18),
        ("2024-01-01T10:00:00+24:00", "offset hours 24 out of range", 21),
        ("2024-01-01T10:00:00+01:60", "offset minutes 60 out of range", 24),
        ("99999-01-01", "the year has more than 4 digits", 1),
        ("24-01-01", "expected the year (4 digits), found '-'", 3),
        ("2024/01/01", "expected '-' after the year, found '/'", 5),
        ("2024-1-01", "expected the month (2 digits), found '-'", 7),
        ("2024-01-01X10:00", "expected 'T' or a space between the date and the time, found 'X'", 11),
        ("2024-01-01T10", "expected ':' after the hour, found the end of the text", 14),
        ("2024-01-01T10:00:00.Z", "expected the digits of a fraction of a second, found 'Z'", 21),
        ("2024-01-01T10:00:00ZZ", "unexpected 'Z' after the time", 21),
        ("2024-01-01T10:00:00 UTC", "expected a UTC offset (Z or +hh:mm), found ' '", 20),
        ("", "expected the year (4 digits), found the end of the text", 1),
        ("not a date", "expected the year (4 digits), found 'n'", 1),
        ("2024-01-01\n", "found '\\xA'", 11),
        ("20241301", "month 13 out of range", 5),
        ("20240301T2500Z", "hour 25 out of range", 10),
        ("20240301T123000Q", "expected a UTC offset (Z or +hh:mm), found 'Q'", 16),
        ("202403011", "the year has more than 4 digits", 1),
    ])
    func refusesWhatIsNotRFC3339(text: String, problem: String, position: Int) throws {
        let error = try #require(Self.failure(text))
        #expect(error.problem.contains(problem), "\(error.message)")
        #expect(error.position == position, "\(error.message)")
    }

    @Test func anOffsetThatLeavesTheYearsIsOutOfRange() throws {
        let error = try #require(Self.failure("0000-01-01T00:00:00+01:00"))
        #expect(error.message.contains("out of range (years 0000-9999)"))
        #expect(try Self.seconds("0000-01-01T00:00:00-01:00") == -62_167_215_600)
    }

    @Test(arguments: [
        ("2024-03-01 12:30:00", "%Y-%m-%d %H:%M:%S", 1_709_296_200.0),
        ("01/03/2024", "%d/%m/%Y", 1_709_251_200),
        ("2024-3-1", "%Y-%m-%d", 1_709_251_200),
        ("20240301123000", "%Y%m%d%H%M%S", 1_709_296_200),
        ("Fri, 01 Mar 2024 12:30:00 GMT", "%a, %d %b %Y %H:%M:%S %Z", 1_709_296_200),
        ("friday 1 march 2024", "%A %e %B %Y", 1_709_251_200),
        ("Mar  1 2024 12:30:00 UTC", "%b %e %Y %T %Z", 1_709_296_200),
        ("12:30:00.75 2024-03-01", "%H:%M:%S.%f %F", 1_709_296_200.75),
        ("01/Mar/2024:13:30:00 +0100", "%d/%b/%Y:%H:%M:%S %z", 1_709_296_200),
        ("2024-03-01T07:00-05:30", "%Y-%m-%dT%R%z", 1_709_296_200),
        ("2024-03-01T13:30+01:00", "%FT%R%:z", 1_709_296_200),
        ("12:30:00 PM 2024-03-01", "%I:%M:%S %p %F", 1_709_296_200),
        ("12:30:00 am 2024-03-01", "%I:%M:%S %p %F", 1_709_253_000),
        ("1:05 pm 2024-03-01", "%I:%M %p %F", 1_709_298_300),
        ("2024 061", "%Y %j", 1_709_251_200),
        ("2023 365", "%Y %j", 1_703_980_800),
        ("24-03-01", "%y-%m-%d", 1_709_251_200),
        ("69-01-01", "%y-%m-%d", -31_536_000),
        ("1709296200", "%s", 1_709_296_200),
        ("-1.5", "%s.%f", -1.5),
        ("-0.25", "%s.%f", -0.25),
        ("100% at 12:30", "100%% at %H:%M", 45_000),
        ("  2024-03-01", " %F", 1_709_251_200),
        ("Mon 12:30", "%a %H:%M", 45_000),
        ("-62167219200", "%s", -62_167_219_200),
        ("2024-03-01", "%F ", 1_709_251_200),
    ])
    func readsFormats(text: String, format: String, expected: Double) throws {
        #expect(try Self.seconds(text, format) == expected)
    }

    @Test(arguments: [
        ("2024-13-01", "%Y-%m-%d", "month 13 out of range (01-12)", 6, false),
        ("2023-02-29", "%F", "day 29 out of range (01-28 of February 2023)", 9, false),
        ("25:00", "%H:%M", "hour 25 out of range (00-23)", 1, false),
        ("13:00 PM", "%I:%M %p", "hour 13 out of range (01-12 with AM/PM)", 1, false),
        ("12:00 XM", "%I:%M %p", "expected AM or PM, found 'X'", 7, false),
        ("2023 366", "%Y %j", "day of the year 366 out of range (001-365)", 6, false),
        ("Smarch 1 2024", "%b %d %Y", "expected a month name (January, Jan, ...), found 'S'", 1, false),
        ("Tue 2024-01-01", "%a %F", "the weekday Tuesday does not match the date (a Monday)", 1, false),
        ("2024-01-01 CET", "%F %Z", "expected the time zone UTC or GMT", 12, false),
        ("2024-01-01 12:00", "%F", "unexpected ' ' (the format ends here)", 11, false),
        ("2024-01-01", "%F %H", "expected the hour (digits), found the end of the text", 11, false),
        ("2024-01-01", "%Y-%m-%d %Q", "unknown directive %Q in the format", 10, true),
        ("2024-01-01", "%Y-%m-%", "the format ends with an unfinished directive", 7, true),
        ("2024x01", "%Y-%m", "expected '-', found 'x'", 5, false),
        ("99999999999999", "%s", "seconds since the epoch out of range (years 0000-9999)", 1, false),
        ("253402300800", "%s", "seconds 253402300800 out of range (years 0000-9999)", 1, false),
        ("-62167219200.5", "%s.%f", "seconds -62167219200 out of range (years 0000-9999)", 1, false),
    ])
    func refusesTextThatDoesNotMatchTheFormat(text: String, format: String, problem: String, position: Int, inFormat: Bool) throws {
        let error = try #require(Self.failure(text, format))
        #expect(error.problem.contains(problem), "\(error.message)")
        #expect(error.position == position, "\(error.message)")
        #expect(error.inFormat == inFormat, "\(error.message)")
    }

    @Test func leapYearsFollowTheGregorianRules() throws {
        for (year, leap) in [(1600, true), (1700, false), (1900, false), (2000, true), (2023, false), (2024, true), (2100, false)] {
            let text = String(year) + "-02-29"
            if leap {
                #expect(try Self.seconds(text) + 86_400 == Self.seconds(String(year) + "-03-01"), "\(year)")
            } else {
                #expect(Self.failure(text)?.problem.contains("out of range (01-28 of February \(year))") == true, "\(year)")
            }
        }
    }

    @Test func everyDayFromYear0To9999MatchesTheDayCount() {
        // Walks the calendar a day at a time: the day number and the date agree both ways.
        var days = CivilDate(year: 0, month: 1, day: 1).daysSinceEpoch
        #expect(days * 86_400 == CivilDate.firstSecond)
        var date = CivilDate(year: 0, month: 1, day: 1)
        var mismatches = 0
        while date.year <= 9999 {
            if CivilDate(daysSinceEpoch: days) != date || date.daysSinceEpoch != days { mismatches += 1 }
            days += 1
            date.day += 1
            if date.day > CivilDate.daysIn(month: date.month, of: date.year) {
                date.day = 1
                date.month += 1
                if date.month > 12 {
                    date.month = 1
                    date.year += 1
                }
            }
        }
        #expect(mismatches == 0)
        #expect((days - 1) * 86_400 + 86_399 == CivilDate.lastSecond)
    }
}
