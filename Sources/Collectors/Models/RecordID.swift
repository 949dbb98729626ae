import Synchronization

/// A record's identity: 128 bits, written as a UUID (version 8, RFC 9562).
///
/// Backends that keep ids (SQLite, PostgreSQL, memory) store a record at
/// most once per id, so a batch written again, after a lost acknowledgement,
/// from the spool, or after a restart that read the same lines again, adds
/// nothing. Where the id comes from:
///
/// - A record read from a stable place in its source (an item with a
///   `CollectedData.key`, such as a followed file's line at an offset):
///   `init(sourceID:key:index:bytes:)`, the same in every run.
/// - Any other record: `unique()`, new in every run.
/// - The records a processor makes from one record keep its id (one output)
///   or get `child(i)` of it (several outputs), which is also the same in
///   every run.
public struct RecordID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The first 8 bytes of the UUID, big-endian.
    public let high: UInt64
    /// The last 8 bytes of the UUID, big-endian.
    public let low: UInt64

    /// Sets the version (8) and variant (10) bits, so that the UUID text and
    /// the 16 bytes are the id itself, with nothing lost either way.
    public init(high: UInt64, low: UInt64) {
        self.high = (high & ~0xF000) | 0x8000
        self.low = (low & ~(0xC << 60)) | (0x8 << 60)
    }

    /// The id of the record at `index` (from 0) of an item read from a stable
    /// place (`key`) of a source, whose bytes are `bytes`: the same in every
    /// run. The bytes are part of it so that a place used again for other
    /// data (a file truncated and rewritten, an inode number reused after a
    /// rotation) gives other ids.
    public init(sourceID: String, key: String, index: Int, bytes: UnsafeRawBufferPointer) {
        self.init(item: Self.itemSeed(sourceID: sourceID, key: key), index: index, bytes: bytes)
    }

    /// The same, with the seed of the item computed once for all its records.
    init(item seed: (UInt64, UInt64), index: Int, bytes: UnsafeRawBufferPointer) {
        let (high, low) = Hash128.hash(bytes, seed: (seed.0 ^ UInt64(truncatingIfNeeded: index), seed.1))
        self.init(high: high, low: low)
    }

    static func itemSeed(sourceID: String, key: String) -> (UInt64, UInt64) {
        // A NUL cannot be in a source id, so "a" + "bc" and "ab" + "c" differ.
        Hash128.hash(key, seed: Hash128.hash(sourceID + "\u{0}"))
    }

    /// The id of the `index`th (from 0) of several records a processor made from this one.
    public func child(_ index: Int) -> RecordID {
        var value = UInt64(truncatingIfNeeded: index).littleEndian
        let (high, low) = withUnsafeBytes(of: &value) { Hash128.hash($0, seed: (self.high, self.low)) }
        return RecordID(high: high, low: low)
    }

    /// The id of the dead letter of this record written for `place` (the
    /// layer, and the backend that refused it): the same in every run, so a
    /// letter written again (its record read again after a crash, a replay
    /// from the spool) is stored once, and a record refused by two backends
    /// has two letters.
    public func deadLetter(for place: String) -> RecordID {
        let (high, low) = Hash128.hash("dead_letter\u{0}" + place, seed: (self.high, self.low))
        return RecordID(high: high, low: low)
    }

    /// An id no other record has. Ids made one after another increase (a
    /// random base plus a counter), so a database index takes them at its
    /// end, its cheapest place.
    public static func unique() -> RecordID {
        Self.process.next()
    }

    /// A random base for `next()`, for a producer that numbers its own ids.
    static func base() -> RecordID {
        var generator = SystemRandomNumberGenerator()
        return RecordID(high: generator.next(), low: generator.next())
    }

    /// The `n`th id after this base: the 62 bits of `low` below the variant,
    /// plus `n`, modulo 2^62. Distinct for distinct `n` below 2^62, and
    /// increasing with `n` (in the UUID's byte order) until it wraps, at most once.
    func offset(by n: UInt64) -> RecordID {
        let mask: UInt64 = 0x3FFF_FFFF_FFFF_FFFF
        return RecordID(high: high, low: ((low & mask) &+ n) & mask)
    }

    // MARK: forms

    /// `xxxxxxxx-xxxx-8xxx-xxxx-xxxxxxxxxxxx`, lower case.
    public var uuidString: String {
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            for (word, first) in [(high, 0), (low, 16)] {
                for nibble in (0..<16).reversed() {
                    let index = first + 15 - nibble
                    if index == 8 || index == 12 || index == 16 || index == 20 {
                        buffer[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    buffer[position] = hex.utf8Start[Int((word >> (UInt64(nibble) * 4)) & 0xF)]
                    position += 1
                }
            }
            return position
        }
    }

    /// The UUID's 16 bytes.
    public var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
        }
        return bytes
    }

    /// The id of 16 bytes made by `bytes`; nil for another length or a UUID of another version.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        guard high & 0xF000 == 0x8000, low >> 62 == 0b10 else { return nil }
        self.init(high: high, low: low)
    }

    public var description: String { uuidString }

    public static func < (lhs: RecordID, rhs: RecordID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// The ids `unique()` hands out: a random base per process and a counter.
    private static let process = Counter(base: base())

    private final class Counter: Sendable {
        let base: RecordID
        let count = Atomic<UInt64>(0)
        init(base: RecordID) { self.base = base }
        func next() -> RecordID {
            base.offset(by: count.add(1, ordering: .relaxed).newValue)
        }
    }
}

extension RecordID {
    /// The id written as `uuidString` (upper or lower case); nil for other
    /// text, or a UUID of another version.
    public init?(uuidString text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var index = 0
        while index < 36 {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard utf8[index] == UInt8(ascii: "-") else { return nil }
                index += 1
                continue
            }
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes: bytes)
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
