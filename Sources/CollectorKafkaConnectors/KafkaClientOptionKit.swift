import CollectorKafka
import CollectorScripting
import Collectors
import Foundation

/// The options `source.kafka` and `storage.kafka` share: the brokers,
/// SASL and TLS, and librdkafka properties given as they are.
enum KafkaClientOptionKit {
    static let securityProtocols = ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"]
    static let saslMechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

    static var options: [ConnectorOption] {
        [
            ConnectorOption(
                "brokers", .any, required: true, annotation: "string|string[]",
                "the bootstrap brokers: `\"host:port\"`, `\"h1:9092,h2:9092\"` or a list"),
            ConnectorOption("security_protocol", .choice(securityProtocols), default: "\"plaintext\"", "how to talk to the brokers"),
            ConnectorOption("sasl_mechanism", .choice(saslMechanisms), "with `sasl_*`: how to authenticate"),
            ConnectorOption("username", .string, "the SASL user name"),
            ConnectorOption("password", .string, "the SASL password (never shown in `tostring`, errors or logs)"),
            ConnectorOption("ca_file", .string, "with `ssl`/`sasl_ssl`: a CA certificate (PEM) to trust instead of the system's"),
            ConnectorOption("cert_file", .string, "a client certificate (PEM), for TLS client authentication"),
            ConnectorOption("key_file", .string, "the client certificate's key (PEM)"),
            ConnectorOption(
                "properties", .stringMap,
                "librdkafka properties passed as they are (`{ [\"fetch.max.bytes\"] = \"1048576\" }`), after the options above; an unknown one is an error"),
        ]
    }

    /// Reads the shared options and checks them, properties included, with librdkafka.
    static func read(_ options: ScriptOptions) throws -> KafkaClientOptions {
        let brokers: [String]
        switch try options.data("brokers") {
        case .string(let text)?: brokers = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        case .array(let list)?:
            brokers = try list.map { entry in
                guard case .string(let text) = entry else { throw options.problem("option 'brokers' must be a string or a list of strings") }
                return text
            }
        case nil: throw options.problem("option 'brokers' is required (\"host:port\" or a list of them)")
        default: throw options.problem("option 'brokers' must be a string or a list of strings")
        }
        guard !brokers.isEmpty, brokers.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw options.problem("option 'brokers' must name at least one broker as \"host:port\"")
        }
        var client = KafkaClientOptions(brokers: brokers)
        client.securityProtocol = try options.choice("security_protocol", securityProtocols)
        client.saslMechanism = try options.choice("sasl_mechanism", saslMechanisms)
        client.username = try options.string("username")
        client.password = try options.string("password")
        if let password = client.password { SecretRedactor.shared.register(password) }
        if (client.username == nil) != (client.password == nil) {
            throw options.problem("options 'username' and 'password' go together")
        }
        if client.username != nil, !(client.securityProtocol ?? "").hasPrefix("sasl_") {
            throw options.problem("options 'username' and 'password' need security_protocol = \"sasl_plaintext\" or \"sasl_ssl\"")
        }
        client.caFile = try options.string("ca_file")
        client.certificateFile = try options.string("cert_file")
        client.keyFile = try options.string("key_file")
        client.properties = try options.stringMap("properties") ?? [:]
        // Secrets given as properties (`sasl.password`, `ssl.key.password`, `sasl.oauthbearer.client.secret`) never show either.
        for (name, value) in client.properties where ["password", "secret"].contains(where: name.lowercased().contains) {
            SecretRedactor.shared.register(value)
        }
        return client
    }

    /// librdkafka's own check of the properties, as an error at the script's line.
    static func check(_ options: ScriptOptions, _ pairs: [(String, String)]) throws {
        do {
            try KafkaProperties.check(pairs)
        } catch {
            throw options.problem(error.message.replacingOccurrences(of: "kafka: ", with: ""))
        }
    }
}
