import Synchronization

extension Atomic where Value == UInt64 {
    /// Adds `amount` to the `Double` whose bit pattern this holds, without a lock.
    func addDouble(_ amount: Double) {
        var current = load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// The `Double` whose bit pattern this holds.
    var doubleValue: Double { Double(bitPattern: load(ordering: .relaxed)) }
}
