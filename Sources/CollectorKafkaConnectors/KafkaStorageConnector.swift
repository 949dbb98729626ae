import CollectorKafka
import CollectorScripting
import Collectors

extension KafkaConnectors {
    /// `storage.kafka`: records produced to a Kafka topic.
    public static var kafkaStorage: ConnectorDescription {
        .storage(
            "kafka",
            summary: "Records produced to a Kafka topic as JSON by the idempotent producer (librdkafka); a batch is stored once the brokers acknowledged every record; never queried (see [storage/kafka.md](storage/kafka.md)).",
            options: KafkaClientOptionKit.options + [
                ConnectorOption("topic", .string, required: true, "the topic written to"),
                ConnectorOption("key", .string, "a top-level field whose value is the message key (records with the same key go to the same partition)"),
                ConnectorOption("compression", .choice(["none", "gzip", "snappy", "lz4", "zstd"]), default: "\"none\"", "how the producer compresses its batches"),
                ConnectorOption("linger_ms", .integer(0...900_000), default: "5", "how long the producer waits to fill a batch to a broker (`linger.ms`)"),
                ConnectorOption("batch_size", .size(1...2_147_483_647), default: "\"1MB\"", "the largest batch to a broker (`batch.size`)"),
                ConnectorOption(
                    "delivery_timeout", .duration(atLeast: .milliseconds(1)), default: "\"30s\"",
                    "how long a record may take to be acknowledged, the producer's retries included, before its batch fails (`message.timeout.ms`)"),
            ]
        ) { options in
            let client = try KafkaClientOptionKit.read(options)
            let topic = try options.requiredString("topic")
            guard !topic.isEmpty else { throw options.problem("option 'topic' is empty") }
            var settings = KafkaStorage.Options(client: client, topic: topic, keyField: try options.string("key"))
            if let compression = try options.choice("compression", ["none", "gzip", "snappy", "lz4", "zstd"]) { settings.compression = compression }
            if let linger = try options.integer("linger_ms") { settings.linger = .milliseconds(linger) }
            if let size = try options.size("batch_size") { settings.batchBytes = size }
            if let timeout = try options.duration("delivery_timeout") { settings.deliveryTimeout = timeout }
            try KafkaClientOptionKit.check(options, settings.librdkafkaProperties)
            let id = options.id
            return ConnectorInstance(KafkaStorage(id: id, options: settings), description: "storage.kafka(\(id), \(topic))")
        }
    }
}
