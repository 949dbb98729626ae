import CRdKafka
import Collectors

/// librdkafka's mock Kafka cluster, in this process: brokers on
/// 127.0.0.1 that speak the Kafka protocol (produce, fetch, consumer
/// groups, offsets) from memory. For tests and `collector dev kafka`; not
/// a broker to keep data in.
public final class KafkaMockCluster: @unchecked Sendable {
    // @unchecked: the handles are only used through librdkafka's mock API,
    // which locks the cluster itself.
    private let handle: OpaquePointer
    private let cluster: OpaquePointer

    /// The bootstrap servers (`127.0.0.1:PORT,...`).
    public let bootstrapServers: String

    /// Starts a cluster of `brokers` brokers (ids 1 to `brokers`).
    public init(brokers: Int = 1) throws(ErrorInfo) {
        let conf = try KafkaConfiguration.make([("log_level", "0")], component: "mock cluster", layer: .engine)
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw ErrorInfo(.connection, layer: .engine, operation: "connect", message: "mock cluster: \(KafkaConfiguration.text(errstr))")
        }
        guard let cluster = rd_kafka_mock_cluster_new(rk, Int32(brokers)) else {
            rd_kafka_destroy(rk)
            throw ErrorInfo(.connection, layer: .engine, operation: "connect", message: "mock cluster: librdkafka could not start one")
        }
        handle = rk
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }

    /// Creates a topic (the mock cluster also creates one a client asks for, with its default of partitions).
    public func createTopic(_ name: String, partitions: Int = 1) throws(ErrorInfo) {
        let code = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), 1)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw ErrorInfo(.connection, layer: .engine, operation: "create", message: "mock cluster: topic '\(name)': \(KafkaConfiguration.describe(code))")
        }
    }

    /// Takes a broker down (its connections closed, new ones refused) or brings it back.
    public func setBroker(_ id: Int, up: Bool) {
        _ = up ? rd_kafka_mock_broker_set_up(cluster, Int32(id)) : rd_kafka_mock_broker_set_down(cluster, Int32(id))
    }
}
