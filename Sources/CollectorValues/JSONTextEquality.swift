/// Whether two compact JSON texts hold the same value, without decoding
/// them: for comparing records that travel as text (a shadow run compares
/// every output twice over).
///
/// Objects may list their fields in another order (two Lua states iterate
/// the same table in different orders, as each seeds its hashes); arrays,
/// strings, `true`, `false` and `null` must match byte for byte, which the
/// engine's encoder makes exact (one spelling per value). Where the texts
/// cannot tell — numbers that differ in spelling (`-0.0`, `0.0`), text that
/// is not compact JSON, a very large object — the answer is nil, and the
/// caller decodes.
public enum JSONTextEquality {
    /// Objects with more fields than this are left to the decoder (the match is quadratic).
    static let maximumFields = 64

    public static func same(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool? {
        if a.elementsEqual(b) { return true }
        // Each object and array is checked to end where its range does, so no scan of the whole text first.
        return Pair(a: a, b: b).compare(a.startIndex..<a.endIndex, b.startIndex..<b.endIndex)
    }

    private struct Pair {
        let a: ArraySlice<UInt8>
        let b: ArraySlice<UInt8>

        /// nil: cannot tell from the text.
        func compare(_ x: Range<Int>, _ y: Range<Int>) -> Bool? {
            guard let first = a[safe: x.lowerBound], let other = b[safe: y.lowerBound] else { return nil }
            switch (first, other) {
            case (UInt8(ascii: "{"), UInt8(ascii: "{")):
                guard let left = Scanner.members(of: a, x), let right = Scanner.members(of: b, y),
                    left.count <= maximumFields
                else { return nil }
                guard left.count == right.count else { return false }
                var undecided = false
                for (index, member) in left.enumerated() {
                    // Most often the fields come in the same order.
                    let match =
                        index < right.count && a[member.key].elementsEqual(b[right[index].key])
                        ? right[index] : right.first { a[member.key].elementsEqual(b[$0.key]) }
                    guard let match else { return false }
                    switch compare(member.value, match.value) {
                    case false?: return false
                    case nil: undecided = true
                    case true?: break
                    }
                }
                return undecided ? nil : true
            case (UInt8(ascii: "["), UInt8(ascii: "[")):
                guard let left = Scanner.elements(of: a, x), let right = Scanner.elements(of: b, y) else { return nil }
                guard left.count == right.count else { return false }
                var undecided = false
                for (l, r) in zip(left, right) {
                    switch compare(l, r) {
                    case false?: return false
                    case nil: undecided = true
                    case true?: break
                    }
                }
                return undecided ? nil : true
            default:
                if a[x].elementsEqual(b[y]) { return true }
                guard Scanner.isNumber(first), Scanner.isNumber(other) else { return false }
                // Integers have one spelling each; floats may have two for one value (-0.0 and 0.0), the decoder's to judge.
                return Scanner.isPlainInteger(a[x]) && Scanner.isPlainInteger(b[y]) ? false : nil
            }
        }
    }

    private enum Scanner {
        static func isNumber(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "-") || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }

        /// An integer's text other than `-0`.
        static func isPlainInteger(_ text: ArraySlice<UInt8>) -> Bool {
            !text.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
                && !text.elementsEqual("-0".utf8)
        }

        /// Where the value starting at `start` ends; nil when it is not compact JSON.
        static func end(of text: ArraySlice<UInt8>, from start: Int) -> Int? {
            guard start < text.endIndex else { return nil }
            switch text[start] {
            case UInt8(ascii: "\""):
                var i = start + 1
                while i < text.endIndex {
                    switch text[i] {
                    case UInt8(ascii: "\\"): i += 2
                    case UInt8(ascii: "\""): return i + 1
                    default: i += 1
                    }
                }
                return nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                var i = start
                while i < text.endIndex {
                    switch text[i] {
                    case UInt8(ascii: "\""):
                        guard let after = end(of: text, from: i) else { return nil }
                        i = after
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { return i + 1 }
                    default: break
                    }
                    i += 1
                }
                return nil
            default:
                var i = start
                scan: while i < text.endIndex {
                    switch text[i] {
                    case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"): break scan
                    // Whitespace: not the compact text this reads.
                    case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"): return nil
                    default: i += 1
                    }
                }
                return i > start ? i : nil
            }
        }

        /// The members of the object at `range`: each key's text (quotes included) and its value's range.
        static func members(of text: ArraySlice<UInt8>, _ range: Range<Int>) -> [(key: Range<Int>, value: Range<Int>)]? {
            var members: [(key: Range<Int>, value: Range<Int>)] = []
            var i = range.lowerBound + 1
            if text[safe: i] == UInt8(ascii: "}") { return i == range.upperBound - 1 ? members : nil }
            while true {
                guard text[safe: i] == UInt8(ascii: "\""), let keyEnd = end(of: text, from: i),
                    text[safe: keyEnd] == UInt8(ascii: ":"), let valueEnd = end(of: text, from: keyEnd + 1)
                else { return nil }
                members.append((i..<keyEnd, (keyEnd + 1)..<valueEnd))
                guard let next = text[safe: valueEnd] else { return nil }
                if next == UInt8(ascii: "}") { return valueEnd == range.upperBound - 1 ? members : nil }
                guard next == UInt8(ascii: ",") else { return nil }
                i = valueEnd + 1
            }
        }

        /// The ranges of the elements of the array at `range`.
        static func elements(of text: ArraySlice<UInt8>, _ range: Range<Int>) -> [Range<Int>]? {
            var elements: [Range<Int>] = []
            var i = range.lowerBound + 1
            if text[safe: i] == UInt8(ascii: "]") { return i == range.upperBound - 1 ? elements : nil }
            while true {
                guard let valueEnd = end(of: text, from: i) else { return nil }
                elements.append(i..<valueEnd)
                guard let next = text[safe: valueEnd] else { return nil }
                if next == UInt8(ascii: "]") { return valueEnd == range.upperBound - 1 ? elements : nil }
                guard next == UInt8(ascii: ",") else { return nil }
                i = valueEnd + 1
            }
        }
    }
}

extension ArraySlice where Element == UInt8 {
    fileprivate subscript(safe index: Int) -> UInt8? {
        index >= startIndex && index < endIndex ? self[index] : nil
    }
}
