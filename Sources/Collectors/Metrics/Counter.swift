import Synchronization

/// A value that only goes up: records, bytes, failures.
///
/// Lock-free: an integer increment is one relaxed atomic add, so the data
/// path can count without contention (it still counts per batch where it can).
public final class Counter: Sendable {
    /// Whole increments, the common case.
    private let whole = Atomic<UInt64>(0)
    /// The sum of fractional increments, as a `Double`'s bit pattern.
    private let fraction = Atomic<UInt64>(Double(0).bitPattern)

    init() {}

    /// Adds `amount`; a counter never goes down, so a negative amount is ignored.
    public func increment(by amount: Int = 1) {
        guard amount > 0 else { return }
        whole.wrappingAdd(UInt64(amount), ordering: .relaxed)
    }

    /// Adds any non-negative finite amount (scripts count in floats too).
    /// - Throws: `.invalidValue` for a negative, NaN or infinite amount.
    public func add(_ amount: Double) throws(MetricsError) {
        guard amount.isFinite, amount >= 0 else {
            throw MetricsError(.invalidValue, metric: "counter", message: "a counter cannot be increased by \(amount)")
        }
        if amount == amount.rounded(.towardZero), amount < 0x1p62 {
            increment(by: Int(amount))
            return
        }
        fraction.addDouble(amount)
    }

    public var value: Double {
        Double(whole.load(ordering: .relaxed)) + fraction.doubleValue
    }
}
