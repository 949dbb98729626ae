import Foundation

/// One step of processing: validate, transform, enrich, filter, split.
/// (Seed: `IProcessor`.)
///
/// A processor answers every record with a `ProcessingResult`: zero, one or
/// many output records, or an error that concerns that record only.
public protocol Processor: Sendable {
    /// Names the processor in errors, dead letters and events. (Seed: `get_processor_name()`.)
    var name: String { get }

    /// A cheap check before `process`; a record that fails it is a `.validation` error.
    func validateInput(_ record: Record) -> Bool

    /// Processes one record. Throwing is the same as returning `.failure`.
    func process(_ record: Record) async throws -> ProcessingResult

    /// Processes a batch, one result per input record and in the same order.
    /// The default loops over `process(_:)`; processors that pay a fixed cost per
    /// call (a hop into a Lua state) implement it to pay that cost once per batch.
    func process(batch records: [Record]) async -> [ProcessingResult]

    /// Called once, after the last batch, when the pipeline drains: records
    /// the processor still has to give (a Lua module's `shutdown(emit)`),
    /// which go through the processors after it. The default has none.
    func finish() async -> [ProcessingResult]

    /// How often the pipeline calls `tick(now:)`; nil (the default) for
    /// never. Read between batches, so it may change while the pipeline runs
    /// (a reload); a processor whose interval changes says so through
    /// `observeTimer(_:)`.
    var timerInterval: Duration? { get }

    /// Called every `timerInterval` while the pipeline runs, between batches
    /// (never during one), with the time the tick was due: records the
    /// processor gives because time passed (a window that closes, a Lua
    /// module's `on_timer(emit, now)`). They go through the processors after
    /// it, like what `finish()` gives. The default has none.
    func tick(now: Date) async -> [ProcessingResult]

    /// Whether the processor reads `Record.origin` (a Lua processor whose
    /// `process` takes `meta`). The pipeline keeps records' origins only
    /// while one of its processors does; read between batches, so a reload
    /// may change it. The default is false.
    var readsOrigin: Bool { get }

    /// Registers `changed`, to be called whenever `timerInterval` changes, so
    /// that a pipeline waiting for records takes the new interval at once.
    /// The default ignores it: an interval that never changes needs no call.
    func observeTimer(_ changed: @escaping @Sendable () -> Void)
}

extension Processor {
    public func validateInput(_ record: Record) -> Bool { true }

    public func finish() async -> [ProcessingResult] { [] }

    public var timerInterval: Duration? { nil }

    public var readsOrigin: Bool { false }

    public func tick(now: Date) async -> [ProcessingResult] { [] }

    public func observeTimer(_ changed: @escaping @Sendable () -> Void) {}

    public func process(batch records: [Record]) async -> [ProcessingResult] {
        var results: [ProcessingResult] = []
        results.reserveCapacity(records.count)
        for record in records {
            results.append(await processChecked(record))
        }
        return results
    }

    /// `validateInput`, then `process`, with thrown errors turned into failures.
    public func processChecked(_ record: Record) async -> ProcessingResult {
        let start = ContinuousClock.now
        guard validateInput(record) else {
            return .failure(
                ErrorInfo(
                    .validation, layer: .processing, operation: "validate_input",
                    message: "processor '\(name)' rejected its input",
                    details: ["processor": .string(name)]))
        }
        do {
            return try await process(record)
        } catch {
            let info = ErrorInfo(
                from: error, type: .processing, layer: .processing, operation: "process",
                details: ["processor": .string(name)])
            return .failure(info, processingTime: ContinuousClock.now - start)
        }
    }
}
