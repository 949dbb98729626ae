import CollectorValues

/// Reads a byte string as a recipe for a `DataValue`, so that the fuzzer
/// reaches values JSON text cannot give: NaN and infinities (any payload),
/// `-0.0`, byte strings that are not UTF-8, integers at the edges of Int64,
/// keys with NUL bytes, nesting on both sides of the state's depth limit.
/// Every byte string makes some value;
/// when the bytes run out, the rest is `null`.
struct ValueRecipe {
    private let bytes: [UInt8]
    private var index = 0
    /// Deeper than this, containers are not opened: past the state's
    /// `maxDataDepth` (200), well within `JSONWriter`'s and `JSONReader`'s
    /// default (512).
    private let deepest = 260

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func value() -> DataValue {
        var recipe = self
        return recipe.next(depth: 0)
    }

    private mutating func byte() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func word() -> UInt64 {
        var word: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { word |= UInt64(byte() ?? 0) << UInt64(shift) }
        return word
    }

    private mutating func text() -> [UInt8] {
        let count = Int(byte() ?? 0) % 24
        var text: [UInt8] = []
        for _ in 0..<count { if let b = byte() { text.append(b) } }
        return text
    }

    private mutating func next(depth: Int) -> DataValue {
        guard let tag = byte() else { return .null }
        switch tag % 12 {
        case 0: return .null
        case 1: return .bool(tag & 0x10 != 0)
        case 2: return .integer(Int64(bitPattern: word()))
        case 3: return .integer(Int64(Int8(bitPattern: byte() ?? 0)))
        case 4: return .double(Double(bitPattern: word()))
        case 5:
            let edges: [Double] = [
                .nan, -.nan, .infinity, -.infinity, -0.0, 0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                9_007_199_254_740_992, 9_007_199_254_740_994, 9.223372036854775807e18, -9.223372036854775808e18, 1.0, 0.1,
            ]
            return .double(edges[Int(byte() ?? 0) % edges.count])
        case 6:
            let edges: [Int64] = [.min, .max, .min + 1, .max - 1, 1 << 53, (1 << 53) + 1, -(1 << 53) - 1, 0]
            return .integer(edges[Int(byte() ?? 0) % edges.count])
        case 7, 8:
            let raw = text()
            if let string = String(validating: raw, as: UTF8.self) { return .string(string) }
            return .bytes(raw)
        case 9, 10:
            guard depth < deepest else { return .null }
            let count = Int(byte() ?? 0) % 6
            if tag % 12 == 9 {
                return .array((0..<count).map { _ in next(depth: depth + 1) })
            }
            var object = DataObject()
            for _ in 0..<count {
                let key = String(decoding: text(), as: UTF8.self)
                object[key] = next(depth: depth + 1)
            }
            return .object(object)
        default:
            // A chain of single-element containers: depth at little cost in bytes.
            guard depth < deepest else { return .null }
            let levels = min(Int(byte() ?? 0), deepest - depth)
            var value = next(depth: depth + levels)
            for level in 0..<levels {
                value = level % 2 == 0 ? .array([value]) : .object(["k": value])
            }
            return value
        }
    }
}
