/// The engine's metric families, all named `collector_...`, registered in a
/// registry. Making it twice on one registry gives the same families.
///
/// The pipeline and its managers update most of them (through
/// `PipelineMetrics`); the scripting layer updates the two that are public:
/// reloads and Lua memory. Every series is listed in `docs/operations.md`.
public final class EngineMetrics: Sendable {
    // Sources.
    let sourceItems: CounterFamily
    let sourceBytes: CounterFamily
    let sourceFailures: CounterFamily
    let sourceRetries: CounterFamily
    let sourceUndecodable: CounterFamily
    let sourceConnected: GaugeFamily
    // Processors.
    let processorRecordsIn: CounterFamily
    let processorRecordsOut: CounterFamily
    let processorDropped: CounterFamily
    let processorFailed: CounterFamily
    let processorDuration: HistogramFamily
    // The pipeline as a whole.
    let pipelineRecordsIn: CounterFamily
    let pipelineRecordsOut: CounterFamily
    let pipelineDropped: CounterFamily
    let pipelineFailed: CounterFamily
    let deadLetters: CounterFamily
    let unrouted: CounterFamily
    let pipelineRead: CounterFamily
    let pipelineCreated: CounterFamily
    let discarded: CounterFamily
    let deadLettersLost: CounterFamily
    let ledgerMismatches: CounterFamily
    // Backends.
    let backendStored: CounterFamily
    let backendSkipped: CounterFamily
    let backendRouted: CounterFamily
    let backendFailed: CounterFamily
    let backendRetries: CounterFamily
    let backendDuration: HistogramFamily
    let backendUp: GaugeFamily
    // Queues between the layers.
    let queueDepth: GaugeFamily
    let queueCapacity: GaugeFamily
    // The spool.
    let spoolSpooled: CounterFamily
    let spoolReplayed: CounterFamily
    let spoolRejected: CounterFamily
    let spoolDepth: GaugeFamily

    /// `collector_processor_reloads_total{processor,result}`: reloads of a
    /// processor's script, `result` being `ok` or `failed`.
    public let processorReloads: CounterFamily
    /// `collector_lua_memory_bytes{processor,state}`: memory a processor's
    /// Lua state uses, set at scrape time (`MetricsRegistry.onScrape`).
    public let luaMemory: GaugeFamily

    /// - Throws: `.conflict` if the registry already holds one of these names in another shape.
    public init(registry r: MetricsRegistry) throws(MetricsError) {
        let source = ["pipeline", "source"]
        sourceItems = try r.counter(
            "collector_source_items_total", help: "Items (payloads) a source collected and queued.", labels: source)
        sourceBytes = try r.counter(
            "collector_source_bytes_total", help: "Payload bytes a source collected.", labels: source)
        sourceFailures = try r.counter(
            "collector_source_failures_total", help: "Collections that failed for good (after retries).", labels: source)
        sourceRetries = try r.counter(
            "collector_source_retries_total", help: "Connects, collects and streams tried again.", labels: source)
        sourceUndecodable = try r.counter(
            "collector_source_undecodable_records_total",
            help: "Records of a source that could not be decoded (they fail before any processor).", labels: source)
        sourceConnected = try r.gauge(
            "collector_source_connected", help: "1 while the source is connected (or collecting), else 0.",
            labels: source)

        let processor = ["pipeline", "processor"]
        processorRecordsIn = try r.counter(
            "collector_processor_records_in_total", help: "Records given to a processor.", labels: processor)
        processorRecordsOut = try r.counter(
            "collector_processor_records_out_total", help: "Records a processor produced.", labels: processor)
        processorDropped = try r.counter(
            "collector_processor_records_dropped_total", help: "Records a processor filtered out (success, no output).",
            labels: processor)
        processorFailed = try r.counter(
            "collector_processor_records_failed_total", help: "Records a processor failed.", labels: processor)
        processorDuration = try r.histogram(
            "collector_processor_batch_duration_seconds", help: "Time a processor took for one batch.",
            labels: processor)

        let pipeline = ["pipeline"]
        pipelineRecordsIn = try r.counter(
            "collector_pipeline_records_in_total", help: "Records that entered processing (decoded or not).",
            labels: pipeline)
        pipelineRecordsOut = try r.counter(
            "collector_pipeline_records_out_total", help: "Records that came out of the last processor, for storage.",
            labels: pipeline)
        pipelineDropped = try r.counter(
            "collector_pipeline_records_dropped_total", help: "Records the processors filtered out.", labels: pipeline)
        pipelineFailed = try r.counter(
            "collector_pipeline_records_failed_total", help: "Records that failed decoding or processing.",
            labels: pipeline)
        deadLetters = try r.counter(
            "collector_dead_letters_total", help: "Records sent to the dead-letter sink, by layer (processing, storage).",
            labels: ["pipeline", "layer"])
        unrouted = try r.counter(
            "collector_storage_unrouted_records_total", help: "Records routed to no output (no route chose one and there is no default).", labels: pipeline)
        pipelineRead = try r.counter(
            "collector_pipeline_records_read_total",
            help: "Records the sources' items held (lines, documents, messages), undecodable ones included.",
            labels: pipeline)
        pipelineCreated = try r.counter(
            "collector_pipeline_records_created_total",
            help: "Records processors made beyond their input (splits, timers, shutdown).", labels: pipeline)
        discarded = try r.counter(
            "collector_records_discarded_total",
            help: "Failed records that went to no dead-letter destination (none configured, or the handler said log).",
            labels: pipeline)
        deadLettersLost = try r.counter(
            "collector_dead_letters_lost_total",
            help: "Dead letters the dead-letter destination could not take (counted at the end of a run).",
            labels: pipeline)
        ledgerMismatches = try r.counter(
            "collector_ledger_mismatches_total",
            help: "Ledger equations that did not hold at the end of a run (an engine bug).", labels: pipeline)

        let backend = ["pipeline", "backend"]
        backendStored = try r.counter(
            "collector_backend_records_stored_total", help: "Records a backend stored.", labels: backend)
        backendRouted = try r.counter(
            "collector_backend_records_routed_total", help: "Records given to a backend (after routing).",
            labels: backend)
        backendSkipped = try r.counter(
            "collector_backend_records_skipped_total",
            help: "Records a backend skipped as already stored (same record id).", labels: backend)
        backendFailed = try r.counter(
            "collector_backend_records_failed_total", help: "Records a backend failed to store (after retries).",
            labels: backend)
        backendRetries = try r.counter(
            "collector_backend_retries_total", help: "Batch writes tried again.", labels: backend)
        backendDuration = try r.histogram(
            "collector_backend_store_duration_seconds",
            help: "Time to store one batch in a backend, retries included.", labels: backend)
        backendUp = try r.gauge(
            "collector_backend_up", help: "1 while the backend is connected and its last write succeeded, else 0.",
            labels: backend)

        let queue = ["pipeline", "queue"]
        queueDepth = try r.gauge(
            "collector_queue_depth", help: "Items waiting in a queue between layers (collected, records).",
            labels: queue)
        queueCapacity = try r.gauge(
            "collector_queue_capacity", help: "The most items a queue between layers holds.", labels: queue)

        spoolSpooled = try r.counter(
            "collector_spool_records_spooled_total",
            help: "Records written to the spool because their backend was down (or behind others already there).",
            labels: backend)
        spoolReplayed = try r.counter(
            "collector_spool_records_replayed_total", help: "Records replayed from the spool into their backend.",
            labels: backend)
        spoolRejected = try r.counter(
            "collector_spool_records_rejected_total",
            help: "Records the spool could not take (full or failing); they went to the dead-letter sink.",
            labels: backend)
        spoolDepth = try r.gauge(
            "collector_spool_depth", help: "Records waiting in the spool for their backend.", labels: backend)

        processorReloads = try r.counter(
            "collector_processor_reloads_total", help: "Reloads of a processor's script, by result (ok, failed).",
            labels: ["processor", "result"])
        luaMemory = try r.gauge(
            "collector_lua_memory_bytes", help: "Memory a processor's Lua state uses.", labels: ["processor", "state"])
    }
}
