/// MurmurHash3's x64 128-bit variant (Austin Appleby's public-domain
/// algorithm), in Swift: the core has no C. With the seed `(0, 0)` it gives
/// the reference implementation's result for seed 0.
///
/// Not a cryptographic hash: record ids are made from where a record was
/// read (a source's id, a file's identity and offset) and its bytes, which a
/// writer of the data does not choose to collide. What it must be is stable
/// across runs and machines (Swift's `Hasher` is seeded per process) and
/// fast on long lines (16 bytes per round).
enum Hash128 {
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: (UInt64, UInt64) = (0, 0)) -> (UInt64, UInt64) {
        let c1: UInt64 = 0x87c3_7b91_1142_53d5
        let c2: UInt64 = 0x4cf5_ad43_2745_937f
        var h1 = seed.0
        var h2 = seed.1
        let count = bytes.count
        let blocks = count / 16
        for block in 0..<blocks {
            let k1 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: block * 16, as: UInt64.self))
            let k2 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: block * 16 + 8, as: UInt64.self))
            h1 ^= scramble(k1, c1, 31, c2)
            h1 = (rotate(h1, 27) &+ h2) &* 5 &+ 0x52dc_e729
            h2 ^= scramble(k2, c2, 33, c1)
            h2 = (rotate(h2, 31) &+ h1) &* 5 &+ 0x3849_5ab5
        }
        // The last 0 to 15 bytes, little-endian, in two words.
        let tail = blocks * 16
        let rest = count & 15
        var k1: UInt64 = 0
        var k2: UInt64 = 0
        for index in 0..<rest {
            let byte = UInt64(bytes[tail + index])
            if index < 8 { k1 |= byte << (UInt64(index) * 8) } else { k2 |= byte << (UInt64(index - 8) * 8) }
        }
        if rest > 8 { h2 ^= scramble(k2, c2, 33, c1) }
        if rest > 0 { h1 ^= scramble(k1, c1, 31, c2) }
        h1 ^= UInt64(count)
        h2 ^= UInt64(count)
        h1 &+= h2
        h2 &+= h1
        h1 = mix(h1)
        h2 = mix(h2)
        h1 &+= h2
        h2 &+= h1
        return (h1, h2)
    }

    /// The hash of a string's UTF-8 bytes.
    static func hash(_ text: String, seed: (UInt64, UInt64) = (0, 0)) -> (UInt64, UInt64) {
        var text = text
        return text.withUTF8 { hash(UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// One word's mixing step: multiply, rotate, multiply.
    private static func scramble(_ word: UInt64, _ first: UInt64, _ rotation: UInt64, _ second: UInt64) -> UInt64 {
        rotate(word &* first, rotation) &* second
    }

    private static func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }
}
