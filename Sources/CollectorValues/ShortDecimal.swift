/// Doubles that are short decimals (`20.73`, `68.9`, `100.0`: at most six
/// digits after the point, below 2^50 and from 0.001 up), written as
/// `description` writes them without building a `String`. A record's numbers
/// are mostly of this kind, and `description` was the costliest part of
/// writing them.
enum ShortDecimal {
    /// The digits of `double` as an integer and how many of them follow the
    /// point: the fewest decimals that read back to the same bits; nil when
    /// the double is not a short decimal (the caller writes `description`).
    ///
    /// Below 2^50 the scaled value is within 1/4 of the integer any decimal
    /// of that length that reads back must have, so rounding it finds that
    /// decimal, and the first length that works is the shortest — the form
    /// `description` picks (it writes these magnitudes without an exponent).
    static func digits(of double: Double) -> (mantissa: UInt64, decimals: Int)? {
        let magnitude = double.magnitude
        guard magnitude >= 0.001, magnitude < 0x1p50 else { return nil }
        var power = 1.0  // 10^decimals, exact
        for decimals in 0...6 {
            let scaled = magnitude * power
            guard scaled < 0x1p50 else { return nil }
            let mantissa = scaled.rounded()
            // Both exact, so the division is the correctly rounded value of the decimal.
            if mantissa / power == magnitude { return (UInt64(mantissa), decimals) }
            power *= 10
        }
        return nil
    }

    /// Writes `double` when it is a short decimal; false (nothing written) otherwise.
    static func append(_ double: Double, to output: inout JSONOutput) -> Bool {
        guard let (mantissa, decimals) = digits(of: double) else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { text in
            var end = text.count
            var rest = mantissa
            func put(_ byte: UInt8) {
                end -= 1
                text[end] = byte
            }
            if decimals == 0 {
                put(UInt8(ascii: "0"))
            } else {
                for _ in 0..<decimals {
                    put(UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0"))
                    rest /= 10
                }
            }
            put(UInt8(ascii: "."))
            repeat {
                put(UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0"))
                rest /= 10
            } while rest != 0
            if double < 0 { put(UInt8(ascii: "-")) }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[end...]))
            return true
        }
    }
}

extension JSONWriter {
    /// A finite double in its shortest round-trip form (`description`'s text).
    static func appendDouble(_ double: Double, to output: inout JSONOutput) {
        if !ShortDecimal.append(double, to: &output) { appendUTF8(double.description, to: &output) }
    }
}
