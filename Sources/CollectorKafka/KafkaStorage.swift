import CRdKafka
import CollectorStorage
import CollectorValues
import Collectors
import Foundation

/// Records to a Kafka topic, one JSON message each (the JSON of
/// `storage.jsonl`), through librdkafka's idempotent producer
/// (`enable.idempotence`, `acks=all`).
///
/// A batch counts as stored when the brokers have acknowledged every
/// message of it (delivery reports). A message the broker or librdkafka
/// refuses for what it is (too large, an invalid record) makes the batch
/// fail `.validation`, not retryable: the storage manager then stores the
/// records one by one and dead-letters the refused ones alone. Any other
/// failure (brokers unreachable, a delivery timeout) is a retryable
/// `.connection` error: the manager retries, then spools.
///
/// Records the brokers acknowledged in a batch that failed as a whole (by
/// id, the last `rememberedIDs` of them) are not sent again when their
/// records are stored again, so a batch that failed in part duplicates nothing.
///
/// `query` and `delete` are not supported (a topic is read by consumers).
public actor KafkaStorage: StorageBackend {
    public struct Options: Sendable, Hashable {
        public var client: KafkaClientOptions
        public var topic: String
        /// A top-level field whose value is the message key (partitioning); nil: no key.
        public var keyField: String?
        /// `none`, `gzip`, `snappy`, `lz4` or `zstd`.
        public var compression: String
        /// How long the producer waits to fill a broker batch (`linger.ms`).
        public var linger: Duration
        /// The largest broker batch in bytes (`batch.size`).
        public var batchBytes: Int
        /// How long a message may take to be acknowledged, retries included (`message.timeout.ms`).
        public var deliveryTimeout: Duration
        public var rememberedIDs: Int

        public init(
            client: KafkaClientOptions, topic: String, keyField: String? = nil, compression: String = "none",
            linger: Duration = .milliseconds(5), batchBytes: Int = 1 << 20, deliveryTimeout: Duration = .seconds(30),
            rememberedIDs: Int = 100_000
        ) {
            self.client = client
            self.topic = topic
            self.keyField = keyField
            self.compression = compression
            self.linger = linger
            self.batchBytes = batchBytes
            self.deliveryTimeout = deliveryTimeout
            self.rememberedIDs = rememberedIDs
        }

        /// The librdkafka properties the client is made with, in order (a later one wins).
        public var librdkafkaProperties: [(String, String)] {
            var pairs = client.pairs()
            let defaults: [(String, String)] = [
                ("enable.idempotence", "true"), ("acks", "all"), ("compression.codec", compression),
                ("linger.ms", String(Self.milliseconds(linger))), ("batch.size", String(batchBytes)),
                ("message.timeout.ms", String(max(1, Self.milliseconds(deliveryTimeout)))),
            ]
            pairs.insert(contentsOf: defaults, at: 1)
            return pairs
        }

        static func milliseconds(_ duration: Duration) -> Int64 {
            duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        }
    }

    public nonisolated let id: String
    public nonisolated let options: Options
    private var producer: KafkaProducer?
    private var delivered: RememberedIDs

    public init(id: String, options: Options) {
        self.id = id
        self.options = options
        delivered = RememberedIDs(capacity: options.rememberedIDs)
        if let password = options.client.password { SecretRedactor.shared.register(password) }
    }

    public func connect() async throws {
        guard producer == nil else { return }
        producer = try KafkaProducer(backendID: id, configuration: options.librdkafkaProperties)
    }

    /// Waits for what is in flight (the delivery timeout at most) and closes the producer.
    public func disconnect() async {
        guard let producer else { return }
        self.producer = nil
        await producer.close(timeout: options.deliveryTimeout)
    }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        let outcomes = try await send([(nil, .value(record))])
        let outcome = outcomes[0]
        let place = "\(options.topic)/\(outcome.partition)/\(outcome.offset)"
        return StorageLocation(backendID: id, locationID: place, path: "kafka://\(place)")
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        _ = try await send(records.map { (nil, .value($0)) })
        return StoredBatch(backendID: id, count: records.count)
    }

    public func store(records: [Record]) async throws -> StoredBatch {
        // Records an attempt whose batch failed got delivered are not sent again, and count as stored now.
        guard !delivered.isEmpty else {
            _ = try await send(records.map { ($0.id, .record($0)) })
            return StoredBatch(backendID: id, count: records.count)
        }
        var fresh: [Record] = []
        var earlier: [RecordID] = []
        for record in records {
            if delivered.contains(record.id) { earlier.append(record.id) } else { fresh.append(record) }
        }
        _ = try await send(fresh.map { ($0.id, .record($0)) })
        for id in earlier { delivered.remove(id) }
        return StoredBatch(backendID: id, count: records.count)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        throw unsupported("query")
    }

    public func delete(locationID: String) async throws {
        throw unsupported("delete")
    }

    private enum Body {
        case value(DataValue)
        case record(Record)
    }

    /// Sends the messages and returns their outcomes, all acknowledged; else throws (see the type's notes).
    private func send(_ items: [(RecordID?, Body)]) async throws -> [KafkaProducer.Outcome] {
        guard !items.isEmpty else { return [] }
        guard let producer else {
            throw ErrorInfo(
                .connection, layer: .storage, operation: "store", message: "Kafka backend '\(id)' is not connected",
                details: details(), isRetryable: true)
        }
        var messages = KafkaProducer.OutgoingBatch(topic: options.topic)
        messages.payloads.reserveCapacity(items.count)
        if options.keyField != nil { messages.keys.reserveCapacity(items.count) }
        for (index, (_, body)) in items.enumerated() {
            let start = messages.bytes.count
            let value: DataValue
            do {
                switch body {
                case .value(let record):
                    value = record
                    try RecordJSON.append(record, to: &messages.bytes)
                case .record(let record):
                    try RecordJSON.append(record, to: &messages.bytes)
                    value = options.keyField == nil ? .null : record.value
                }
            } catch {
                throw ErrorInfo(
                    .validation, layer: .storage, operation: "store",
                    message: "record \(index + 1) of the batch cannot be written as JSON: \(error)", details: details())
            }
            messages.payloads.append(start..<messages.bytes.count)
            if options.keyField != nil { messages.keys.append(key(of: value)) }
        }
        let outcomes = await producer.send(messages)
        if Task.isCancelled {
            throw ErrorInfo(
                .cancelled, layer: .storage, operation: "store",
                message: "storing \(items.count) records to topic '\(options.topic)' was cancelled before the brokers acknowledged them",
                details: details())
        }
        guard let failed = outcomes.firstIndex(where: { !$0.ok }) else { return outcomes }
        for (index, outcome) in outcomes.enumerated() where outcome.ok {
            if let id = items[index].0 { delivered.insert(id) }
        }
        let failures = outcomes.filter { !$0.ok }.count
        let code = outcomes[failed].error
        var extra: DataObject = [
            "count": .integer(Int64(items.count)), "failed": .integer(Int64(failures)), "kafka_error": .string(String(cString: rd_kafka_err2name(code))),
        ]
        if let fatal = producer.fatalError {
            // An idempotent producer that cannot go on: the next attempt gets a new one.
            self.producer = nil
            await producer.close(timeout: .zero)
            extra["fatal"] = .string(fatal)
        }
        let (type, retryable) = Self.classify(code)
        let refused = type == .validation ? "refused" : "not acknowledged"
        throw ErrorInfo(
            type, layer: .storage, operation: "store",
            message: "\(failures) of \(items.count) messages to topic '\(options.topic)' \(refused): \(KafkaConfiguration.describe(code))",
            details: details(extra), isRetryable: retryable)
    }

    /// What a delivery error means: a record refused for what it is
    /// (`.validation`), credentials refused, or a failure that may pass.
    static func classify(_ code: rd_kafka_resp_err_t) -> (ErrorType, Bool) {
        switch code {
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_MSG, RD_KAFKA_RESP_ERR_INVALID_RECORD,
            RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
            (.validation, false)
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR__AUTHENTICATION,
            RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
            (.authentication, false)
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
            (.timeout, true)
        default:
            (.connection, true)
        }
    }

    /// The message key: the key field's value, as text (strings as they are, other values as JSON).
    private func key(of value: DataValue) -> [UInt8]? {
        guard let field = options.keyField, case .object(let object) = value, let found = object[field] else { return nil }
        switch found {
        case .null: return nil
        case .string(let text): return Array(text.utf8)
        default:
            var bytes: [UInt8] = []
            return (try? RecordJSON.append(found, to: &bytes)) != nil ? bytes : nil
        }
    }

    private func unsupported(_ operation: String) -> ErrorInfo {
        ErrorInfo(
            .configuration, layer: .storage, operation: operation,
            message: "Kafka backend '\(id)' is write-only: \(operation) is not supported (read the topic with source.kafka)",
            details: details())
    }

    private func details(_ extra: DataObject = DataObject()) -> DataObject {
        var details: DataObject = ["backend_id": .string(id), "topic": .string(options.topic)]
        for entry in extra { details[entry.key] = entry.value }
        return details
    }
}
