/// A time read from text: whole seconds since the epoch (UTC) and the
/// fraction as it was written.
struct ParsedTime: Equatable {
    var seconds: Int64
    /// 0 ..< 1_000_000_000.
    var nanoseconds: Int64 = 0

    /// Seconds as a Lua number: the nearest double to the decimal value
    /// written (so `parse(format(x)) == x` for milliseconds), or an integer
    /// when there is no fraction.
    var integerValue: Int64? { nanoseconds == 0 ? seconds : nil }

    var doubleValue: Double {
        var units = nanoseconds
        var digits = 9
        while digits > 0, units % 10 == 0 {
            units /= 10
            digits -= 1
        }
        let scale = Self.powersOfTen[digits]
        // Both operands exact below 2^53, so the one division rounds correctly.
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: scale)
        if !overflow, abs(scaled) < (1 << 53) - 1_000_000_000 {
            return Double(scaled + units) / Double(scale)
        }
        return Double(seconds) + Double(units) / Double(scale)
    }

    static let powersOfTen: [Int64] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]
}
