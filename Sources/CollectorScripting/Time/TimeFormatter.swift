/// Writes a time (seconds since the epoch) as text: RFC 3339 by default, or
/// as a strftime-style format says, at a fixed UTC offset.
enum TimeFormatter {
    /// `offset`: seconds east of UTC (whole minutes, under a day).
    static func format(_ seconds: Double, format: String? = nil, offset: Int64 = 0) throws(TimeTextError) -> String {
        guard seconds.isFinite else {
            throw TimeTextError(problem: "\(seconds.isNaN ? "NaN" : "infinity") is not a time", position: nil)
        }
        guard var format else {
            let (whole, nanoseconds) = try split(seconds, digits: 3, offset: offset)
            return rfc3339(whole, nanoseconds, offset: offset)
        }
        let result = format.withUTF8 { pattern in
            Result { () throws(TimeTextError) -> String in
                // Round once, at the finest fraction the format writes; without %f, seconds are truncated.
                let (whole, nanoseconds) = try split(seconds, digits: finestFraction(pattern), offset: offset)
                var out: [UInt8] = []
                out.reserveCapacity(pattern.count + 16)
                try write(pattern, whole, nanoseconds, offset, into: &out)
                return String(decoding: out, as: UTF8.self)
            }
        }
        return try result.get()
    }

    /// Whole seconds and nanoseconds, rounded to `digits` of fraction, checked against the years 0000-9999 (local).
    private static func split(_ seconds: Double, digits: Int, offset: Int64) throws(TimeTextError) -> (Int64, Int64) {
        let floor = seconds.rounded(.down)
        guard floor + Double(offset) >= Double(CivilDate.firstSecond), floor + Double(offset) <= Double(CivilDate.lastSecond) else {
            throw TimeTextError(problem: "\(describe(seconds)) seconds is out of range (years 0000-9999)", position: nil)
        }
        var whole = Int64(floor)
        let scale = ParsedTime.powersOfTen[digits]
        // No fraction written: truncated, as strftime does; else rounded at that digit.
        var units = digits == 0 ? 0 : Int64(((seconds - floor) * Double(scale)).rounded())
        if units >= scale {
            whole += 1
            units = 0
        }
        if whole + offset > CivilDate.lastSecond {
            throw TimeTextError(problem: "\(describe(seconds)) seconds is out of range (years 0000-9999)", position: nil)
        }
        return (whole, units * ParsedTime.powersOfTen[9 - digits])
    }

    private static func describe(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : "\(seconds)"
    }

    /// `2024-03-01T12:30:00Z`, `2024-03-01T12:30:00.250+01:00`: milliseconds when there is a fraction.
    static func rfc3339(_ whole: Int64, _ nanoseconds: Int64, offset: Int64) -> String {
        let local = whole + offset
        let days = floorDivide(local, 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        let time = local - days * 86_400
        var out: [UInt8] = []
        out.reserveCapacity(30)
        pad(date.year, 4, &out)
        out.append(UInt8(ascii: "-"))
        pad(date.month, 2, &out)
        out.append(UInt8(ascii: "-"))
        pad(date.day, 2, &out)
        out.append(UInt8(ascii: "T"))
        pad(time / 3600, 2, &out)
        out.append(UInt8(ascii: ":"))
        pad(time / 60 % 60, 2, &out)
        out.append(UInt8(ascii: ":"))
        pad(time % 60, 2, &out)
        if nanoseconds != 0 {
            out.append(UInt8(ascii: "."))
            pad(nanoseconds / 1_000_000, 3, &out)
        }
        writeOffset(offset, colon: true, utcAsZ: true, &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func finestFraction(_ pattern: UnsafeBufferPointer<UInt8>) -> Int {
        var finest = 0
        var at = 0
        while at < pattern.count {
            defer { at += 1 }
            guard pattern[at] == UInt8(ascii: "%") else { continue }
            at += 1
            let (width, end) = width(pattern, at)
            at = end
            if at < pattern.count, pattern[at] == UInt8(ascii: "f") { finest = max(finest, min(9, width ?? 6)) }
        }
        return finest
    }

    /// A directive's width (`%3f`): digits at `at`, and where they end.
    private static func width(_ pattern: UnsafeBufferPointer<UInt8>, _ start: Int) -> (Int?, Int) {
        var at = start
        var width: Int?
        while at < pattern.count, let digit = TimeScanner.digit(pattern[at]) {
            width = min(99, (width ?? 0) * 10 + Int(digit))
            at += 1
        }
        return (width, at)
    }

    private static func write(
        _ pattern: UnsafeBufferPointer<UInt8>, _ whole: Int64, _ nanoseconds: Int64, _ offset: Int64, into out: inout [UInt8]
    ) throws(TimeTextError) {
        let local = whole + offset
        let days = floorDivide(local, 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        let time = local - days * 86_400
        let hour = time / 3600
        var at = 0
        while at < pattern.count {
            let byte = pattern[at]
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                at += 1
                continue
            }
            let directiveAt = at
            at += 1
            var colon = false
            if at < pattern.count, pattern[at] == UInt8(ascii: ":") {
                colon = true
                at += 1
            }
            let (width, end) = width(pattern, at)
            at = end
            guard at < pattern.count else {
                throw TimeTextError(problem: "the format ends with an unfinished directive", position: directiveAt + 1, inFormat: true)
            }
            let directive = pattern[at]
            at += 1
            switch directive {
            case UInt8(ascii: "Y"): pad(date.year, 4, &out)
            case UInt8(ascii: "y"): pad(date.year % 100, 2, &out)
            case UInt8(ascii: "C"): pad(date.year / 100, 2, &out)
            case UInt8(ascii: "m"): pad(date.month, 2, &out)
            case UInt8(ascii: "d"): pad(date.day, 2, &out)
            case UInt8(ascii: "e"):
                if date.day < 10 { out.append(0x20) }
                pad(date.day, 1, &out)
            case UInt8(ascii: "j"): pad(date.dayOfYear, 3, &out)
            case UInt8(ascii: "H"): pad(hour, 2, &out)
            case UInt8(ascii: "I"): pad(hour % 12 == 0 ? 12 : hour % 12, 2, &out)
            case UInt8(ascii: "p"): out += Array((hour < 12 ? "AM" : "PM").utf8)
            case UInt8(ascii: "M"): pad(time / 60 % 60, 2, &out)
            case UInt8(ascii: "S"): pad(time % 60, 2, &out)
            case UInt8(ascii: "f"):
                let digits = min(9, width ?? 6)
                if digits > 0 { pad(nanoseconds / ParsedTime.powersOfTen[9 - digits], digits, &out) }
            case UInt8(ascii: "b"), UInt8(ascii: "h"): out += Array(CivilDate.monthNames[Int(date.month) - 1].prefix(3).utf8)
            case UInt8(ascii: "B"): out += Array(CivilDate.monthNames[Int(date.month) - 1].utf8)
            case UInt8(ascii: "a"): out += Array(CivilDate.weekdayNames[CivilDate.weekday(daysSinceEpoch: days)].prefix(3).utf8)
            case UInt8(ascii: "A"): out += Array(CivilDate.weekdayNames[CivilDate.weekday(daysSinceEpoch: days)].utf8)
            case UInt8(ascii: "u"): pad(Int64((CivilDate.weekday(daysSinceEpoch: days) + 6) % 7 + 1), 1, &out)
            case UInt8(ascii: "w"): pad(Int64(CivilDate.weekday(daysSinceEpoch: days)), 1, &out)
            case UInt8(ascii: "z"): writeOffset(offset, colon: colon, utcAsZ: false, &out)
            case UInt8(ascii: "Z"):
                if offset == 0 { out += Array("UTC".utf8) } else { writeOffset(offset, colon: true, utcAsZ: false, &out) }
            case UInt8(ascii: "s"): out += Array(String(whole).utf8)
            case UInt8(ascii: "F"): try write(Self.bytes("%Y-%m-%d"), whole, nanoseconds, offset, into: &out)
            case UInt8(ascii: "T"): try write(Self.bytes("%H:%M:%S"), whole, nanoseconds, offset, into: &out)
            case UInt8(ascii: "R"): try write(Self.bytes("%H:%M"), whole, nanoseconds, offset, into: &out)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "%"): out.append(UInt8(ascii: "%"))
            default:
                throw TimeTextError(
                    problem: "unknown directive %\(TimeScanner.show(directive)) in the format", position: directiveAt + 1, inFormat: true)
            }
        }
    }

    private static func bytes(_ text: StaticString) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
    }

    static func writeOffset(_ offset: Int64, colon: Bool, utcAsZ: Bool, _ out: inout [UInt8]) {
        if offset == 0, utcAsZ {
            out.append(UInt8(ascii: "Z"))
            return
        }
        out.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let minutes = abs(offset) / 60
        pad(minutes / 60, 2, &out)
        if colon { out.append(UInt8(ascii: ":")) }
        pad(minutes % 60, 2, &out)
    }

    /// `value` (not negative) in at least `width` digits.
    static func pad(_ value: Int64, _ width: Int, _ out: inout [UInt8]) {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        // Digits written in place, last first: no temporary array per field.
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(width, count)))
        var index = out.count - 1
        rest = value
        for _ in 0..<count {
            out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }
}
