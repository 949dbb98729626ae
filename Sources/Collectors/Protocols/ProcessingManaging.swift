/// What the processing layer offers: an ordered chain of processors that
/// records go through. (Seed: `IProcessingManager` and its processing
/// pipeline, "step 1 → step 2 → … → step N".)
///
/// `ProcessingManager` is the engine's implementation. Each processor sees
/// what the one before it gave; a failure concerns its record only (it goes
/// to the error handler and the dead-letter sink), never the batch.
public protocol ProcessingManaging: Actor {
    /// The processors' names, in order.
    var processorNames: [String] { get }
    /// The processors, in order.
    var currentProcessors: [any Processor] { get }
    /// Replaces the chain; a batch in progress finishes with the old one.
    func setProcessors(_ processors: [any Processor])

    /// Runs one record through the chain; what comes out of the last processor.
    func process(_ record: Record) async -> [Record]
    /// Runs a batch through the chain (one call per processor); what comes out, in order.
    func process(batch records: [Record]) async -> [Record]
    /// Runs undecoded JSON documents through the chain (decoding them first
    /// unless the first processor decodes JSON itself).
    func process(documents: [JSONDocument]) async -> [Record]
    /// Finishes every processor in order (the end of a run); what they still give, through the rest of the chain.
    func finish() async -> [Record]

    /// Counters since the manager was made.
    var statistics: ProcessingManager.Statistics { get }
    /// Whether the error handler asked to stop (a `.stop` decision).
    var stopRequested: Bool { get }
}
