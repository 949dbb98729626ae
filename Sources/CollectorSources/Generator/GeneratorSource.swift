import CollectorValues
import Collectors
import Foundation

/// Synthetic sensor readings in the canonical workload's shape
/// (`shared/bench/gen_data.py`), deterministic for a seed, so that pipelines,
/// the quickstart and the REPL work offline.
///
/// For the same seed the records are byte for byte the lines `gen_data.py`
/// writes, in the same order. `collect()` returns the next item; `stream()`
/// yields items until `count` records have been produced (forever without a
/// count). With a `rate`, records are paced to that many per second.
public actor GeneratorSource: DataSource, PullingSource {
    /// What and how fast the generator produces.
    public struct Options: Sendable, Hashable {
        /// The random seed; the workload's default is 20251128.
        public var seed: Int64
        /// Records in total, `nil` for no end.
        public var count: Int?
        /// Records per second, `nil` (or not positive) for as fast as possible.
        public var rate: Double?
        /// Records per collected item: 1 gives one JSON object per item
        /// (format `json`), more gives newline-separated lines (format `jsonl`).
        public var recordsPerItem: Int

        public init(seed: Int64 = 20_251_128, count: Int? = nil, rate: Double? = nil, recordsPerItem: Int = 1) {
            self.seed = seed
            self.count = count
            self.rate = rate
            self.recordsPerItem = max(1, recordsPerItem)
        }
    }

    public nonisolated let id: String
    public nonisolated let options: Options
    private var generator: ReadingGenerator
    private let clock = ContinuousClock()
    private var start: ContinuousClock.Instant?

    public init(id: String, options: Options = Options()) {
        self.id = id
        self.options = options
        generator = ReadingGenerator(seed: options.seed)
    }

    /// Records produced so far.
    public var produced: Int64 { generator.index }

    public func connect() async throws {}
    public func disconnect() async {}

    /// Starts over from the first record of the seed.
    public func reset() {
        generator = ReadingGenerator(seed: options.seed)
        start = nil
    }

    func next() async throws -> CollectedData? {
        var records = options.recordsPerItem
        if let count = options.count {
            records = min(records, count - Int(generator.index))
            if records <= 0 { return nil }
        }
        let first = generator.index
        if let rate = options.rate, rate > 0 {
            // Paced against a fixed schedule, not per sleep, so that sleep overshoot does not accumulate.
            let begin = start ?? clock.now
            start = begin
            let due = begin.advanced(by: .nanoseconds(Int64(Double(first) / rate * 1e9)))
            if due > clock.now { try await clock.sleep(until: due, tolerance: nil) }
        }
        try Task.checkCancellation()
        var payload: [UInt8] = []
        payload.reserveCapacity(120 * records)
        for i in 0..<records {
            if i > 0 { payload.append(UInt8(ascii: "\n")) }
            generator.appendNext(to: &payload)
        }
        let metadata: DataObject = [
            "seed": .integer(options.seed), "index": .integer(first), "records": .integer(Int64(records)),
        ]
        return CollectedData(
            sourceID: id, format: records == 1 && options.recordsPerItem == 1 ? .json : .jsonLines,
            method: .generator, payload: payload, metadata: metadata)
    }
}
