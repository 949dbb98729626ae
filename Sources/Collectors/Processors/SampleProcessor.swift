import CollectorValues

/// Keeps a share of the records and drops the rest: one in `every`, or a
/// `rate` between 0 and 1.
///
/// Without `key`, the kept records are spread evenly and the same from run
/// to run (with `every = 10`, the 1st, 11th, 21st ...; with a rate, record m,
/// counted from 0, when ⌊m·rate⌋ moves on). With `key`, the decision is the key's: a hash of
/// those fields' values, so every record of a kept key is kept (a user's
/// whole session, not one event in ten of it), in every run and on every
/// machine.
public final class SampleProcessor: Processor {
    public let name: String
    /// The share kept, above 0 and at most 1.
    public let rate: Double
    /// One in `every`, when the share was given so (counted exactly, in integers).
    private let every: UInt64?
    private let key: RecordKey?
    private let seen = Locked<UInt64>(0)

    /// Keeps one record in `every` (at least 1).
    public convenience init(name: String = "sample", every: Int, keyFields: [String] = []) {
        self.init(name: name, rate: 1 / Double(max(1, every)), every: UInt64(max(1, every)), keyFields: keyFields)
    }

    /// Keeps a share `rate` of the records (above 0, at most 1).
    /// - Parameter keyFields: top-level fields whose values decide; empty for none.
    public convenience init(name: String = "sample", rate: Double, keyFields: [String] = []) {
        self.init(name: name, rate: rate, every: nil, keyFields: keyFields)
    }

    private init(name: String, rate: Double, every: UInt64?, keyFields: [String]) {
        self.name = name
        self.rate = rate
        self.every = every
        key = keyFields.isEmpty ? nil : RecordKey(keyFields)
    }

    public func process(_ record: Record) async throws -> ProcessingResult {
        keeps(record) ? .success(record) : .dropped
    }

    public func process(batch records: [Record]) async -> [ProcessingResult] {
        records.map { keeps($0) ? .success($0) : .dropped }
    }

    private func keeps(_ record: Record) -> Bool {
        if let key {
            // The top 53 bits of the hash as a fraction in [0, 1).
            let fraction = Double(key.key(of: record).high >> 11) / Double(1 << 53)
            return fraction < rate
        }
        // m: how many records came before this one.
        let m = seen.withLock { count -> UInt64 in
            defer { count += 1 }
            return count
        }
        if let every { return m % every == 0 }
        return m == 0 || (Double(m) * rate).rounded(.down) > (Double(m - 1) * rate).rounded(.down)
    }
}
