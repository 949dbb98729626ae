import CollectorStorage
import CollectorValues
import Collectors
import Foundation

/// Records published to an MQTT broker, one message per record (its
/// compact JSON text, as storage.jsonl writes it), to a topic that may take
/// fields of the record (`out/%{site}`).
///
/// - A batch is stored when every publish is acknowledged: QoS 1 a PUBACK,
///   QoS 2 a PUBCOMP, QoS 0 once written to the socket. A publish the broker
///   refuses (a reason code of 0x80 or more) fails the batch, not retryable.
/// - A record whose topic cannot be made (a missing field, a value with a
///   wildcard) fails the batch before anything of it is published, with a
///   `.validation` error naming the field: the storage manager then stores
///   the batch record by record, and dead-letters that record alone.
/// - A lost connection (or no acknowledgement within `timeout`) throws a
///   retryable `.connection` error: the storage manager retries, then
///   spools. The next store connects again. Publishes of the failed batch
///   that had reached the broker are published again by the retry: at least
///   once, duplicates possible.
///
/// `query` and `delete` are not supported (a broker keeps no records).
public actor MQTTStorage: StorageBackend {
    public struct Options: Sendable, Hashable {
        public var client: MQTTClientSettings
        public var topic: MQTTTopicTemplate
        public var qos: Int
        public var retain: Bool
        /// The longest wait for a batch's acknowledgements.
        public var timeout: Duration

        public init(client: MQTTClientSettings = MQTTClientSettings(), topic: MQTTTopicTemplate, qos: Int = 1, retain: Bool = false, timeout: Duration = .seconds(30)) {
            self.client = client
            self.topic = topic
            self.qos = qos
            self.retain = retain
            self.timeout = timeout
        }
    }

    public nonisolated let id: String
    public nonisolated let endpoint: MQTTEndpoint
    public nonisolated let options: Options
    private var connection: MQTTConnection?
    /// Between `connect()` and `disconnect()`: a lost connection is made
    /// again by the next store; outside, stores fail with "not connected".
    private var isOpen = false

    public init(id: String, endpoint: MQTTEndpoint, options: Options) {
        self.id = id
        self.endpoint = endpoint
        self.options = options
        if let password = options.client.password ?? endpoint.password { SecretRedactor.shared.register(password) }
    }

    public func connect() async throws {
        isOpen = true
        try await reconnect()
    }

    private func reconnect() async throws {
        if let connection, connection.lostReason == nil { return }
        await drop()
        var client = options.client
        if client.username == nil { client.username = endpoint.username }
        if client.password == nil { client.password = endpoint.password }
        let opened = MQTTConnection(endpoint: endpoint, settings: client)
        do {
            try await opened.open()
        } catch let failure as MQTTFailure {
            throw ErrorInfo(.connection, layer: .storage, operation: "connect", message: failure.message, details: details(), isRetryable: failure.retryable)
        }
        connection = opened
    }

    public func disconnect() async {
        isOpen = false
        await drop()
    }

    private func drop() async {
        guard let connection else { return }
        self.connection = nil
        await connection.close()
    }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        let record = Record(record, sourceID: id, sequence: 0)
        let topic = try await publish([record]).first ?? options.topic.text
        return StorageLocation(backendID: id, locationID: record.id.uuidString, path: "\(endpoint)/\(topic)")
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        try await store(records: records.enumerated().map { Record($1, sourceID: id, sequence: UInt64($0 + 1)) })
    }

    public func store(records: [Record]) async throws -> StoredBatch {
        guard !records.isEmpty else { return StoredBatch(backendID: id, count: 0) }
        _ = try await publish(records)
        return StoredBatch(backendID: id, count: records.count)
    }

    /// Publishes the records and waits for their acknowledgements; returns their topics.
    private func publish(_ records: [Record]) async throws -> [String] {
        // Every topic and payload first: a record that cannot be sent fails the batch before any of it is.
        var messages: [(topic: String, payload: [UInt8])] = []
        messages.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            let topic: String
            do {
                topic = options.topic.isFixed ? options.topic.text : try options.topic.topic(for: record.value)
            } catch {
                throw StorageErrors.invalid(
                    backend: id, operation: "store", "storage.mqtt '\(id)': \(error.message)",
                    details: ["record_index": .integer(Int64(index)), "topic": .string(options.topic.text)])
            }
            var payload: [UInt8] = []
            do {
                try RecordJSON.append(record, to: &payload)
            } catch {
                throw StorageErrors.invalid(
                    backend: id, operation: "store", "storage.mqtt '\(id)': the record has no JSON form: \(error)",
                    details: ["record_index": .integer(Int64(index))])
            }
            messages.append((topic, payload))
        }
        guard isOpen else { throw StorageErrors.notConnected(backend: id, kind: "MQTT", operation: "store") }
        if connection == nil || connection?.lostReason != nil {
            do {
                try await reconnect()
            } catch var info as ErrorInfo {
                info.operation = "store"
                throw info
            }
        }
        guard let connection else { throw StorageErrors.notConnected(backend: id, kind: "MQTT", operation: "store") }
        if let failure = await connection.publish(messages, qos: options.qos, retain: options.retain, timeout: options.timeout) {
            // A new connection for the next batch: acknowledgements still due to this one could
            // otherwise be taken for those of a later publish that reuses their packet ids.
            await drop()
            throw ErrorInfo(
                failure.retryable ? .connection : .validation, layer: .storage, operation: "store", message: failure.message,
                details: details(["count": .integer(Int64(records.count))]), isRetryable: failure.retryable)
        }
        return messages.map(\.topic)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        throw unsupported("query")
    }

    public func delete(locationID: String) async throws {
        throw unsupported("delete")
    }

    private func unsupported(_ operation: String) -> ErrorInfo {
        ErrorInfo(
            .configuration, layer: .storage, operation: operation,
            message: "an MQTT broker keeps no records to read back: storage.mqtt supports no \(operation)", details: details())
    }

    private func details(_ extra: DataObject = [:]) -> DataObject {
        var details: DataObject = ["backend_id": .string(id), "url": .string(endpoint.description), "topic": .string(options.topic.text)]
        for (key, value) in extra { details[key] = value }
        return details
    }
}
