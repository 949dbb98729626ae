/// The parts of a time as read from text, each with where it was (for an
/// error about its range), turned into seconds since the epoch by `resolve`.
struct TimeFields {
    typealias Field = (value: Int64, at: Int)

    var year: Field?
    var month: Field?
    var day: Field?
    var dayOfYear: Field?
    var hour: Field?
    /// `%I`: 1-12, with `pm`.
    var hour12: Field?
    var pm: Bool?
    var minute: Field?
    var second: Field?
    var nanoseconds: Int64 = 0
    var offset: Int64 = 0
    var weekday: Field?
    /// `%s`: the time itself.
    var epoch: Field?
    /// `%s` read a minus sign (`-0.5` has none in its whole seconds).
    var epochNegative = false

    func resolve() throws(TimeTextError) -> ParsedTime {
        if let epoch {
            // `-1.5` is 1.5 seconds before the epoch: whole seconds -2, fraction .5.
            let time = epochNegative && nanoseconds > 0
                ? ParsedTime(seconds: epoch.value - 1, nanoseconds: 1_000_000_000 - nanoseconds)
                : ParsedTime(seconds: epoch.value, nanoseconds: nanoseconds)
            guard time.seconds >= CivilDate.firstSecond, time.seconds <= CivilDate.lastSecond else {
                throw TimeTextError(problem: "seconds \(epoch.value) out of range (years 0000-9999)", position: epoch.at)
            }
            return time
        }
        let year = year?.value ?? 1970
        if let field = self.year, field.value > 9999 {
            throw TimeTextError(problem: "year \(field.value) out of range (0000-9999)", position: field.at)
        }
        var date = CivilDate(year: year, month: 1, day: 1)
        if let month {
            guard (1...12).contains(month.value) else { throw Self.range("month", month, "01-12") }
            date.month = month.value
        }
        if let day {
            let last = CivilDate.daysIn(month: date.month, of: year)
            guard (1...last).contains(day.value) else {
                let which = self.month == nil ? "" : " of \(CivilDate.monthNames[Int(date.month) - 1]) \(year)"
                throw TimeTextError(problem: "day \(day.value) out of range (01-\(last)\(which))", position: day.at)
            }
            date.day = day.value
        }
        var days = date.daysSinceEpoch
        if let dayOfYear, month == nil, day == nil {
            let last: Int64 = CivilDate.isLeap(year) ? 366 : 365
            guard (1...last).contains(dayOfYear.value) else { throw Self.range("day of the year", dayOfYear, "001-\(last)") }
            days += dayOfYear.value - 1
        }
        // A weekday is checked against a date the text gave (alone, it says nothing to check).
        let dated = self.year != nil || month != nil || day != nil || dayOfYear != nil
        if let weekday, dated, CivilDate.weekday(daysSinceEpoch: days) != Int(weekday.value) {
            let actual = CivilDate.weekdayNames[CivilDate.weekday(daysSinceEpoch: days)]
            throw TimeTextError(
                problem: "the weekday \(CivilDate.weekdayNames[Int(weekday.value)]) does not match the date (a \(actual))",
                position: weekday.at)
        }
        var hours: Int64 = 0
        if let hour {
            guard (0...23).contains(hour.value) else { throw Self.range("hour", hour, "00-23") }
            hours = hour.value
        } else if let hour12 {
            guard (1...12).contains(hour12.value) else { throw Self.range("hour", hour12, "01-12 with AM/PM") }
            hours = hour12.value % 12 + (pm == true ? 12 : 0)
        }
        if let minute, !(0...59).contains(minute.value) { throw Self.range("minute", minute, "00-59") }
        // 60 is a leap second: read as the first second of the next minute.
        if let second, !(0...60).contains(second.value) { throw Self.range("second", second, "00-60") }
        let seconds = days * 86_400 + hours * 3600 + (minute?.value ?? 0) * 60 + (second?.value ?? 0) - offset
        guard seconds >= CivilDate.firstSecond, seconds <= CivilDate.lastSecond else {
            throw TimeTextError(problem: "the time is out of range (years 0000-9999)", position: nil)
        }
        return ParsedTime(seconds: seconds, nanoseconds: nanoseconds)
    }

    private static func range(_ what: String, _ field: Field, _ allowed: String) -> TimeTextError {
        TimeTextError(problem: "\(what) \(field.value) out of range (\(allowed))", position: field.at)
    }
}
