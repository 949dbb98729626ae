import Collectors
import CollectorValues
import Foundation

/// Messages of Kafka topics, as a member of a consumer group (librdkafka):
/// partitions are assigned and rebalanced by the group coordinator.
///
/// At least once: in a `Pipeline`, an offset is committed only once every
/// message before it in its partition is stored (`CheckpointedSource`);
/// what was read but not stored is read again after a crash. Each item's
/// `key` is its topic, partition and offset, so its records get the same
/// ids in every run and a backend that keeps ids (SQLite, PostgreSQL)
/// stores them once: exactly once, there.
///
/// A rebalance that takes partitions away stops handing out their
/// messages, waits (`revokeWait` at most) until those handed out are
/// acknowledged, commits, then lets them go. `disconnect()` waits the same
/// way (`closeWait`), commits and leaves the group.
///
/// `CollectedData.metadata` carries `topic`, `partition`, `offset`, `key`,
/// `timestamp` (milliseconds since the epoch) and `headers`.
public actor KafkaSource: DataSource, CheckpointedSource {
    public struct Options: Sendable, Hashable {
        public var client: KafkaClientOptions
        public var topics: [String]
        public var group: String
        /// Where a partition is read from the first time it is assigned in a run:
        /// `committed` (the group's offset, else `auto.offset.reset`), `earliest`, `latest`.
        public var start: String
        public var format: DataFormat
        /// How long a revocation, and a disconnect, wait for the messages handed out to be stored.
        public var revokeWait: Duration
        public var closeWait: Duration
        /// Messages read ahead of the pipeline, at most.
        public var bufferLimit: Int
        /// End the stream once every partition assigned is read to its end
        /// (what `collector run --once` asks for); else wait for more, forever.
        public var stopAtEnd: Bool

        public init(
            client: KafkaClientOptions, topics: [String], group: String, start: String = "committed",
            format: DataFormat = .json, revokeWait: Duration = .seconds(10), closeWait: Duration = .seconds(10),
            bufferLimit: Int = 1000, stopAtEnd: Bool = false
        ) {
            self.stopAtEnd = stopAtEnd
            self.client = client
            self.topics = topics
            self.group = group
            self.start = start
            self.format = format
            self.revokeWait = revokeWait
            self.closeWait = closeWait
            self.bufferLimit = bufferLimit
        }

        /// The librdkafka properties the client is made with, in order (a later one wins).
        public var librdkafkaProperties: [(String, String)] {
            var pairs = client.pairs()
            let defaults: [(String, String)] = [
                ("group.id", group), ("enable.auto.commit", "true"), ("enable.auto.offset.store", "false"),
                ("auto.offset.reset", start == "latest" ? "latest" : "earliest"), ("auto.commit.interval.ms", "1000"),
            ]
            // Before the client's, so that `properties` may override them.
            pairs.insert(contentsOf: defaults, at: 1)
            // The offset store is this source's: letting librdkafka store on its own would commit unstored messages.
            pairs.append(("enable.auto.offset.store", "false"))
            if stopAtEnd { pairs.append(("enable.partition.eof", "true")) }
            return pairs
        }
    }

    public nonisolated let id: String
    public nonisolated let options: Options
    private var loop: KafkaConsumerLoop?
    /// The loop `disconnect()` is stopping: acknowledgements still reach it.
    private var closing: KafkaConsumerLoop?
    private var savesCommitted = false

    public init(id: String, options: Options) {
        self.id = id
        self.options = options
        if let password = options.client.password { SecretRedactor.shared.register(password) }
    }

    deinit {
        // Dropped without disconnect(): the consumer's thread would otherwise keep it a member of its group.
        loop?.abandon()
        closing?.abandon()
    }

    /// Stops consuming at once, as a crash would (what was read and not
    /// acknowledged is not committed), without leaving a thread behind.
    func abandon() {
        loop?.abandon()
        loop = nil
    }

    /// The partitions the group assigned to this member now.
    var assignment: Set<TopicPartition> { loop?.assignment ?? [] }

    public func connect() async throws {
        guard loop == nil else { return }
        let loop = KafkaConsumerLoop(
            sourceID: id, start: KafkaConsumerLoop.Start(rawValue: options.start) ?? .committed,
            revokeWait: options.revokeWait, bufferLimit: options.bufferLimit, stopAtEnd: options.stopAtEnd)
        try loop.start(configuration: options.librdkafkaProperties, topics: options.topics)
        self.loop = loop
    }

    /// Waits (`closeWait` at most) for the messages handed out to be stored,
    /// commits their offsets, leaves the group and closes the consumer.
    public func disconnect() async {
        guard let loop else { return }
        self.loop = nil
        closing = loop
        defer { closing = nil }
        if savesCommitted {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: options.closeWait)
            while !loop.settled, clock.now < deadline {
                try? await clock.sleep(for: .milliseconds(20))
            }
        }
        await loop.stop()
    }

    public func useCommittedCheckpoints() {
        savesCommitted = true
    }

    public func commit(_ checkpoint: DataValue, force: Bool) async {
        guard case .integer(let sequence) = checkpoint, let loop = loop ?? closing else { return }
        loop.acknowledge(upTo: UInt64(sequence), commitNow: force)
    }


    public func collect() async throws -> CollectedData {
        guard let item = try await next() else {
            throw ErrorInfo(
                .notFound, layer: .collection, operation: "collect",
                message: "source '\(id)' has read every partition to its end", details: ["source_id": .string(id)])
        }
        return item
    }

    /// The next item; nil at the end (with `stopAtEnd` only).
    private func next() async throws -> CollectedData? {
        while true {
            guard let (loop, taken, _) = try await take(limit: 1) else { return nil }
            if let item = handOut(taken[0], by: loop) { return item }
        }
    }

    /// Messages taken from the consumer in one hand-over (`limit` at most),
    /// with the loop that numbers them and whether handing one out is its
    /// acknowledgement too; nil at the end.
    private func take(limit: Int) async throws -> (KafkaConsumerLoop, [KafkaConsumerLoop.Taken], Bool)? {
        guard let loop else {
            throw ErrorInfo(
                .connection, layer: .collection, operation: "collect", message: "source '\(id)' is not connected",
                details: ["source_id": .string(id)])
        }
        guard let taken = try await loop.take(limit: limit) else { return nil }
        return (loop, taken, !savesCommitted)
    }

    /// Items as they come. The consumer's messages are taken many at a
    /// time (one hand-over from its thread for up to `streamBatch`), then
    /// handed out here one by one, each numbered only as it goes: those a
    /// reader that stops never got are not waited for, nor committed.
    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        let pending = PendingMessages()
        let batch = max(1, min(Self.streamBatch, options.bufferLimit))
        return AsyncThrowingStream {
            while true {
                if let (loop, message, acknowledges) = pending.pop() {
                    if let item = self.handOut(message, by: loop, acknowledges: acknowledges) { return item }
                    continue
                }
                guard let (loop, taken, acknowledges) = try await self.take(limit: batch) else { return nil }
                pending.refill(loop, taken, acknowledges: acknowledges)
            }
        }
    }

    /// The most messages a stream takes from the consumer at once.
    static let streamBatch = 500

    private func handOut(_ taken: KafkaConsumerLoop.Taken, by loop: KafkaConsumerLoop) -> CollectedData? {
        handOut(taken, by: loop, acknowledges: !savesCommitted)
    }

    private nonisolated func handOut(
        _ taken: KafkaConsumerLoop.Taken, by loop: KafkaConsumerLoop, acknowledges: Bool
    ) -> CollectedData? {
        guard let sequence = loop.handOut(taken) else { return nil }
        // Outside a pipeline nothing acknowledges: what is handed out counts as done.
        if acknowledges { loop.acknowledge(upTo: sequence, commitNow: false) }
        let message = taken.message
        // Collected now, as by every source; the message's own time is in the metadata.
        return CollectedData(
            sourceID: id, format: options.format, method: .kafka, payload: message.payload,
            metadata: message.metadata, key: "\(message.place.topic)/\(message.place.partition)/\(message.offset)",
            checkpoint: .integer(Int64(sequence)))
    }
}

/// The messages a stream took from its consumer and has not handed out yet.
private final class PendingMessages: @unchecked Sendable {
    // @unchecked: only the stream's closure touches it, and a stream calls its closure once at a time.
    private var loop: KafkaConsumerLoop?
    private var messages: [KafkaConsumerLoop.Taken] = []
    private var head = 0
    private var acknowledges = false

    func refill(_ loop: KafkaConsumerLoop, _ taken: [KafkaConsumerLoop.Taken], acknowledges: Bool) {
        self.loop = loop
        messages = taken
        head = 0
        self.acknowledges = acknowledges
    }

    func pop() -> (KafkaConsumerLoop, KafkaConsumerLoop.Taken, Bool)? {
        guard head < messages.count, let loop else { return nil }
        head += 1
        return (loop, messages[head - 1], acknowledges)
    }
}

extension CollectionMethod {
    /// A message consumed from Kafka.
    public static let kafka = CollectionMethod(rawValue: "kafka")
}
