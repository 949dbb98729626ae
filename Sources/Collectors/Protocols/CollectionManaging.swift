/// What the collection layer offers: registering data sources, running them
/// once, on an interval or as streams, and telling their status.
/// (Seed: `ICollectionManager`.)
///
/// `CollectionManager` is the engine's implementation. An actor: whoever
/// drives collection (a `Pipeline`, a test, an embedder's own loop) talks to
/// it from outside, so every call is `await`ed.
public protocol CollectionManaging: Actor {
    /// Adds a source and how it is collected: `.once` (one `collect()`),
    /// `.interval(every, count:)` (a `collect()` every `every`) or `.stream`
    /// (`stream()` until it ends).
    /// - Throws: a `.configuration` `ErrorInfo` when a source with the same id is registered.
    func register(_ source: any DataSource, mode: CollectionMode) throws
    /// The registered sources' ids, in registration order.
    var sourceIDs: [String] { get }

    /// Connects and collects every registered source per its mode, sending
    /// what they collect on; returns when all have ended or `stop()` was called.
    func run() async
    /// Stops collecting: running collections are cancelled, sources disconnected.
    func stop()

    /// One source's status, `nil` for an id that is not registered.
    func status(of sourceID: String) -> CollectionStatus?
    /// Every source's status, by id.
    var statuses: [String: CollectionStatus] { get }
    /// Counters over all sources.
    var statistics: CollectionManager.Statistics { get }
    /// Ready when every source is connected (or collecting, or done); otherwise why not.
    var readiness: Readiness { get }
}
