import CollectorScripting

/// `source.kafka` and `storage.kafka`; they link librdkafka.
public enum KafkaConnectors {
    /// Both, the source first.
    public static var all: [ConnectorDescription] { [kafka, kafkaStorage] }
}
