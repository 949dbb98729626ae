/// ISO-8601 UTC timestamps (`2026-11-29T04:03:11.123Z`) without a
/// Foundation formatter: these are written per record, and a formatter
/// object per record (or a shared, locked one) costs more than the arithmetic.
enum ISO8601Timestamp {
    static func string(secondsSince1970 seconds: Double) -> String {
        let totalMillis = Int64((seconds * 1000).rounded(.down))
        let secs = floorDiv(totalMillis, 1000)
        let millis = Int(totalMillis - secs * 1000)
        let days = floorDiv(secs, 86_400)
        let secOfDay = secs - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        let hour = Int(secOfDay / 3600), minute = Int(secOfDay % 3600 / 60), second = Int(secOfDay % 60)
        var out = ""
        out.reserveCapacity(24)
        pad(&out, year, 4)
        out += "-"
        pad(&out, month, 2)
        out += "-"
        pad(&out, day, 2)
        out += "T"
        pad(&out, hour, 2)
        out += ":"
        pad(&out, minute, 2)
        out += ":"
        pad(&out, second, 2)
        out += "."
        pad(&out, millis, 3)
        out += "Z"
        return out
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    private static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func pad(_ out: inout String, _ value: Int, _ width: Int) {
        let digits = String(value)
        if digits.count < width { out += String(repeating: "0", count: width - digits.count) }
        out += digits
    }
}
