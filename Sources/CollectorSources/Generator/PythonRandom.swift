import Foundation

/// CPython's `random.Random`: the MT19937 generator seeded the way CPython
/// seeds it from an integer, with the few derived draws the canonical
/// workload uses. Bit-for-bit the same stream, so the generator source and
/// `shared/bench/gen_data.py` produce the same records for the same seed.
struct PythonRandom {
    private static let n = 624
    private static let m = 397
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 625
    /// The second normal deviate of a Box-Muller pair, as CPython keeps it.
    private var gaussNext: Double?

    /// `random.Random(seed)` for an integer seed (CPython seeds with `abs(seed)`).
    init(seed: Int64) {
        var magnitude = seed.magnitude
        var key: [UInt32] = []
        while magnitude > 0 {
            key.append(UInt32(truncatingIfNeeded: magnitude))
            magnitude >>= 32
        }
        if key.isEmpty { key = [0] }
        self.seed(byArray: key)
    }

    private mutating func seed(genrand s: UInt32) {
        state[0] = s
        for i in 1..<Self.n {
            let previous = state[i - 1]
            state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
        }
        index = Self.n
    }

    private mutating func seed(byArray key: [UInt32]) {
        seed(genrand: 19_650_218)
        var i = 1
        var j = 0
        for _ in 0..<max(Self.n, key.count) {
            let previous = state[i - 1]
            state[i] = (state[i] ^ ((previous ^ (previous >> 30)) &* 1_664_525)) &+ key[j] &+ UInt32(j)
            i += 1
            j += 1
            if i >= Self.n {
                state[0] = state[Self.n - 1]
                i = 1
            }
            if j >= key.count { j = 0 }
        }
        for _ in 0..<(Self.n - 1) {
            let previous = state[i - 1]
            state[i] = (state[i] ^ ((previous ^ (previous >> 30)) &* 1_566_083_941)) &- UInt32(i)
            i += 1
            if i >= Self.n {
                state[0] = state[Self.n - 1]
                i = 1
            }
        }
        state[0] = 0x8000_0000
    }

    /// The next 32 random bits (`genrand_uint32`).
    mutating func nextUInt32() -> UInt32 {
        if index >= Self.n { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for k in 0..<Self.n {
            let y = (state[k] & 0x8000_0000) | (state[(k + 1) % Self.n] & 0x7FFF_FFFF)
            var next = state[(k + Self.m) % Self.n] ^ (y >> 1)
            if y & 1 != 0 { next ^= 0x9908_B0DF }
            state[k] = next
        }
        index = 0
    }

    /// `random()`: 53 random bits in [0, 1).
    mutating func random() -> Double {
        let a = Double(nextUInt32() >> 5)
        let b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `_randbelow(n)` by rejection sampling on `n.bit_length()` bits (n ≤ 2^32).
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0 && n < 1 << 32)
        // CPython takes the bit length of n itself (not n - 1), so a power of two
        // draws one bit more than it needs; the same here, to stay in step.
        let k = Int.bitWidth - n.leadingZeroBitCount
        while true {
            let r = Int(nextUInt32() >> UInt32(32 - k))
            if r < n { return r }
        }
    }

    /// `uniform(a, b)`.
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * random() }

    /// `gauss(mu, sigma)`: Box-Muller, keeping the pair's second value for the next call.
    mutating func gauss(_ mu: Double, _ sigma: Double) -> Double {
        let z: Double
        if let next = gaussNext {
            z = next
            gaussNext = nil
        } else {
            let angle = random() * (2 * Double.pi)
            let radius = (-2.0 * log(1.0 - random())).squareRoot()
            z = cos(angle) * radius
            gaussNext = sin(angle) * radius
        }
        return mu + z * sigma
    }
}
