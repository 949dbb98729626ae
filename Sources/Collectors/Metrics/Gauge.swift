import Synchronization

/// A value that goes up and down: a queue's depth, a state's memory, 1 or 0 for up.
///
/// Lock-free: the `Double` lives in an atomic as its bit pattern.
public final class Gauge: Sendable {
    private let bits = Atomic<UInt64>(Double(0).bitPattern)

    init() {}

    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Sets 1 for `true`, 0 for `false`.
    public func set(_ flag: Bool) {
        set(flag ? 1 : 0)
    }

    /// Adds `amount` (negative to subtract).
    public func add(_ amount: Double) {
        bits.addDouble(amount)
    }

    public func increment() { add(1) }
    public func decrement() { add(-1) }

    public var value: Double { bits.doubleValue }
}
