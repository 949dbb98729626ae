import Foundation

/// The canonical workload's records (`shared/bench/gen_data.py`), one compact
/// JSON line at a time, from the same random stream as the Python script:
/// the same seed gives the same bytes.
struct ReadingGenerator {
    private static let baseTimestamp: Int64 = 1_764_288_000_000
    private static let sites: [[UInt8]] = (1...8).map { Array("plant-\($0)".utf8) }
    private static let lines: [UInt8] = Array("abcdef".utf8)
    private static let invalidRate = 0.05

    private var random: PythonRandom
    /// The index of the next record (its position in the stream).
    private(set) var index: Int64 = 0

    init(seed: Int64) {
        random = PythonRandom(seed: seed)
    }

    /// Appends the next record's JSON (no newline) to `out`.
    mutating func appendNext(to out: inout [UInt8]) {
        let unitDraw = random.random()
        let unit: String
        let value: Double
        if unitDraw < 0.60 {
            unit = "C"
            value = random.gauss(30.0, 12.0)
        } else if unitDraw < 0.85 {
            unit = "F"
            value = random.uniform(55.0, 115.0)
        } else {
            unit = "RH"
            value = random.uniform(15.0, 99.0)
        }
        let sensor = random.below(1000)
        let ts = Self.baseTimestamp + index * 10 + Int64(random.below(10))
        let site = Self.sites[random.below(Self.sites.count)]
        let line = Self.lines[random.below(Self.lines.count)]
        let shift = 1 + random.below(3)
        // Python's round(value, 2) and "%.2f" both round the exact binary value
        // half-to-even, as glibc's printf does; parsing back gives round()'s double.
        let fixed = String(format: "%.2f", value)
        let rounded = Double(fixed) ?? value

        var omitted = ""
        var valueText = rounded.description  // shortest round-trip digits, like Python's repr
        if random.random() < Self.invalidRate {
            switch random.below(5) {
            case 0: omitted = "sensor_id"
            case 1: omitted = "value"
            case 2: omitted = "ts"
            case 3: valueText = "\"" + String(format: "%.2f", rounded) + "\""
            default: valueText = "\"n/a\""
            }
        }
        index += 1

        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ name: String) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: "\":".utf8)
        }
        if omitted != "sensor_id" {
            key("sensor_id")
            out.append(contentsOf: "\"s-".utf8)
            appendPadded(sensor, width: 4, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        if omitted != "value" {
            key("value")
            out.append(contentsOf: valueText.utf8)
        }
        key("unit")
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: unit.utf8)
        out.append(UInt8(ascii: "\""))
        if omitted != "ts" {
            key("ts")
            out.append(contentsOf: String(ts).utf8)
        }
        key("site")
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: site)
        out.append(UInt8(ascii: "\""))
        key("tags")
        out.append(contentsOf: "{\"line\":\"".utf8)
        out.append(line)
        out.append(contentsOf: "\",\"shift\":".utf8)
        out.append(UInt8(ascii: "0") + UInt8(shift))
        out.append(contentsOf: "}}".utf8)
    }

    private func appendPadded(_ number: Int, width: Int, to out: inout [UInt8]) {
        let digits = Array(String(number).utf8)
        if digits.count < width { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count)) }
        out.append(contentsOf: digits)
    }
}
