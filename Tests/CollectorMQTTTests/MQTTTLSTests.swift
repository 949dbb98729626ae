import CollectorMQTT
import CollectorValues
import Collectors
import Foundation
import Testing

@Suite("MQTT over TLS")
struct MQTTTLSTests {
    /// A throwaway CA and a server certificate for 127.0.0.1 it signed, made with openssl.
    static func certificates(in directory: URL) throws {
        let script = """
            set -e
            cd '\(directory.path)'
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=collector 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 2>/dev/null
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        guard MosquittoBroker.reap(process) == 0 else { throw BrokerError("openssl failed to make the test certificates") }
    }

    static func tlsBroker(requireCertificate: Bool = false) throws -> MosquittoBroker {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try certificates(in: directory)
        return try MosquittoBroker(
            config: [
                "cafile \(directory.path)/ca.crt", "certfile \(directory.path)/server.crt",
                "keyfile \(directory.path)/server.key",
            ] + (requireCertificate ? ["require_certificate true"] : []), directory: directory)
    }

    @Test func aMessageGoesBothWaysOverTLSWithTheTestCA() async throws {
        let broker = try Self.tlsBroker()
        let url = "mqtts://127.0.0.1:\(broker.port)"
        let client = MQTTClientSettings(caFile: broker.directory.appendingPathComponent("ca.crt").path)
        let source = MQTTTest.source(broker, topics: ["secure/#"], client: client, url: url)
        try await source.connect()
        let storage = MQTTStorage(
            id: "tls-out", endpoint: MQTTEndpoint(url: url)!,
            options: .init(client: client, topic: try MQTTTopicTemplate("secure/%{site}")))
        try await storage.connect()
        _ = try await storage.store(batch: MQTTTest.records(1...3, site: "vault"))
        let items = try await MQTTTest.collect(source, count: 3)
        #expect(try MQTTTest.numbers(items) == [1, 2, 3])
        #expect(items.first?.metadata["topic"] == .string("secure/vault"))
        await storage.disconnect()
        await source.disconnect()
    }

    @Test func aServerCertificateNoTrustedCASignedIsRefusedForGood() async throws {
        let broker = try Self.tlsBroker()
        // The system's CAs (no ca_file) did not sign the test certificate.
        let source = MQTTTest.source(broker, topics: ["secure/#"], url: "mqtts://127.0.0.1:\(broker.port)")
        let error = try await #require(throws: ErrorInfo.self) { try await source.connect() }
        #expect(error.type == .connection)
        #expect(!error.isRetryable, "\(error.message)")
        #expect(error.message.contains("TLS"), "\(error.message)")
    }

    @Test func aBrokerThatAsksForAClientCertificateTakesOursAndRefusesNone() async throws {
        let broker = try Self.tlsBroker(requireCertificate: true)
        let url = "mqtts://127.0.0.1:\(broker.port)"
        let ca = broker.directory.appendingPathComponent("ca.crt").path
        let withCertificate = MQTTClientSettings(
            caFile: ca, certFile: broker.directory.appendingPathComponent("client.crt").path,
            keyFile: broker.directory.appendingPathComponent("client.key").path)
        let source = MQTTTest.source(broker, topics: ["secure/#"], client: withCertificate, url: url)
        try await source.connect()
        await source.disconnect()
        let without = MQTTTest.source(broker, topics: ["secure/#"], client: MQTTClientSettings(caFile: ca), url: url)
        let error = try await #require(throws: ErrorInfo.self) { try await without.connect() }
        #expect(error.type == .connection)
        #expect(error.message.contains("mqtts://127.0.0.1:\(broker.port) closed the connection before accepting it"), "\(error.message)")
        #expect(error.message.contains("client certificate"), "\(error.message)")
    }
}
