import CRdKafka
import Collectors

/// What a consumer and a producer share: where the brokers are, how to
/// authenticate, and librdkafka properties given as they are.
public struct KafkaClientOptions: Sendable, Hashable {
    /// `host:port` of one or more brokers (the bootstrap list).
    public var brokers: [String]
    /// `plaintext`, `ssl`, `sasl_plaintext` or `sasl_ssl` (librdkafka's `security.protocol`).
    public var securityProtocol: String?
    /// `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` (librdkafka's `sasl.mechanism`).
    public var saslMechanism: String?
    public var username: String?
    public var password: String?
    /// A CA certificate (PEM) to trust for TLS.
    public var caFile: String?
    /// A client certificate and its key (PEM), for TLS client authentication.
    public var certificateFile: String?
    public var keyFile: String?
    /// librdkafka properties, passed as they are, after the ones above (so they win).
    public var properties: [String: String]

    public init(
        brokers: [String], securityProtocol: String? = nil, saslMechanism: String? = nil, username: String? = nil,
        password: String? = nil, caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
        properties: [String: String] = [:]
    ) {
        self.brokers = brokers
        self.securityProtocol = securityProtocol
        self.saslMechanism = saslMechanism
        self.username = username
        self.password = password
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.properties = properties
    }

    /// The librdkafka properties these options make, in the order they are set.
    func pairs() -> [(String, String)] {
        var pairs: [(String, String)] = [("bootstrap.servers", brokers.joined(separator: ","))]
        if let securityProtocol { pairs.append(("security.protocol", securityProtocol)) }
        if let saslMechanism { pairs.append(("sasl.mechanism", saslMechanism)) }
        if let username { pairs.append(("sasl.username", username)) }
        if let password { pairs.append(("sasl.password", password)) }
        if let caFile { pairs.append(("ssl.ca.location", caFile)) }
        if let certificateFile { pairs.append(("ssl.certificate.location", certificateFile)) }
        if let keyFile { pairs.append(("ssl.key.location", keyFile)) }
        for key in properties.keys.sorted() { pairs.append((key, properties[key]!)) }
        return pairs
    }
}

/// A librdkafka configuration made from properties, each checked by
/// librdkafka itself: an unknown name or a bad value fails naming it.
enum KafkaConfiguration {
    /// A new `rd_kafka_conf_t` (the caller owns it), or an error naming the property librdkafka refused.
    static func make(_ pairs: [(String, String)], component: String, layer: Layer) throws(ErrorInfo) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw ErrorInfo(.configuration, layer: layer, operation: "connect", message: "\(component): librdkafka could not make a configuration")
        }
        var errstr = [CChar](repeating: 0, count: 512)
        for (name, value) in pairs {
            let result = rd_kafka_conf_set(conf, name, value, &errstr, errstr.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                let reason = String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                let what = result == RD_KAFKA_CONF_UNKNOWN ? "unknown librdkafka property '\(name)'" : "librdkafka property '\(name)'"
                throw ErrorInfo(
                    .configuration, layer: layer, operation: "connect", message: "\(component): \(what): \(reason)",
                    details: ["property": .string(name)])
            }
        }
        return conf
    }


    /// librdkafka's name and text for an error code.
    static func describe(_ code: rd_kafka_resp_err_t) -> String {
        "\(String(cString: rd_kafka_err2name(code))): \(String(cString: rd_kafka_err2str(code)))"
    }

    /// The text of a C error buffer.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// librdkafka's check of a client's properties.
public enum KafkaProperties {
    /// Throws, naming the property, when librdkafka does not know one or refuses its value.
    public static func check(_ pairs: [(String, String)]) throws(ErrorInfo) {
        let conf = try KafkaConfiguration.make(pairs, component: "kafka", layer: .collection)
        rd_kafka_conf_destroy(conf)
    }
}
