import CMosquitto
import Collectors
import Foundation

/// One connection to a broker through libmosquitto (MQTT 5), whose network
/// loop runs on a thread of its own: no task of the cooperative pool ever
/// blocks on the broker. Everything libmosquitto does for the connection
/// (connecting, TLS, keepalive, subscribing, the callbacks) happens on
/// that thread, except `publish`, which libmosquitto allows from any thread
/// once told the client is threaded.
///
/// A connection is used once: when it is lost, its owner opens a new one
/// (with the same client id, a persistent session carries over).
final class MQTTConnection: @unchecked Sendable {
    // @unchecked: `handle` is written once by the loop thread before `opened`
    // is set and read by `publish` only after that, under `handleLock`, which
    // the loop thread also holds to destroy it; all other mutable state is in
    // `state`, a lock.
    private var handle: OpaquePointer?
    private let handleLock = NSLock()

    let endpoint: MQTTEndpoint
    let settings: MQTTClientSettings
    let subscriptions: [MQTTSubscription]
    /// Where received messages go (nil for a connection that only publishes).
    let inbox: MQTTInbox?

    /// `nil` once connected (and subscribed); the failure otherwise.
    private let opened = OneShot<MQTTFailure?>()
    /// Set when the loop thread has ended and the handle is destroyed.
    private let ended = OneShot<Bool>()

    /// A batch of publishes waiting for their acknowledgements.
    final class PublishBatch: Sendable {
        let done = OneShot<MQTTFailure?>()
    }

    private struct State {
        var stopRequested = false
        var pendingSubscriptions: [Int32: String] = [:]
        /// Publishes sent and not acknowledged, by packet id, with their batch's count of what is left.
        var inflight: [Int32: ObjectIdentifier] = [:]
        var batches: [ObjectIdentifier: (batch: PublishBatch, remaining: Int, failure: MQTTFailure?)] = [:]
        /// Acknowledgements that came before their publish was registered.
        var early: Set<Int32> = []
        /// Why the connection ended (nil while it is up).
        var lost: String?
        /// The reason the broker gave in its DISCONNECT, if it sent one.
        var disconnectReason: String?
        var sessionPresent = false
    }

    private let state = Locked(State())

    init(endpoint: MQTTEndpoint, settings: MQTTClientSettings, subscriptions: [MQTTSubscription] = [], inbox: MQTTInbox? = nil) {
        _ = MQTTLibrary.initialised
        self.endpoint = endpoint
        self.settings = settings
        self.subscriptions = subscriptions
        self.inbox = inbox
    }

    /// Connects (and subscribes); throws `MQTTFailure` when the broker cannot
    /// be reached, refuses, or does not answer within the connect timeout.
    func open() async throws {
        let thread = Thread { [self] in run() }
        thread.name = "mqtt \(settings.clientID ?? endpoint.description)"
        thread.start()
        let outcome = await opened.value(within: settings.connectTimeout)
        if Task.isCancelled {
            await close()
            throw CancellationError()
        }
        switch outcome {
        case .some(nil):
            inbox?.bound()
            return
        case .some(let failure?):
            await close()
            throw failure
        case nil:
            await close()
            throw MQTTFailure(
                message: "no answer from the MQTT broker \(endpoint) within \(settings.connectTimeout)", retryable: true)
        }
    }

    /// Whether the broker had a session for this client id when it connected.
    var sessionPresent: Bool { state.withLock { $0.sessionPresent } }

    /// Why the connection ended; nil while it is up.
    var lostReason: String? { state.withLock { $0.lost } }

    /// Disconnects cleanly (a DISCONNECT packet, so the broker publishes no
    /// will and keeps a persistent session) and waits, briefly, for the
    /// network thread to end. Returns how many received messages were still
    /// in the inbox, unread. Idempotent.
    @discardableResult
    func close() async -> Int {
        state.withLock { $0.stopRequested = true }
        let unread = inbox?.close() ?? 0
        _ = await ended.value(within: .seconds(5))
        return unread
    }

    // MARK: - Publishing

    /// Publishes the messages and waits until each is acknowledged (QoS 1:
    /// PUBACK, QoS 2: PUBCOMP, QoS 0: written to the socket). Returns the
    /// first failure, or nil when all were.
    func publish(_ messages: [(topic: String, payload: [UInt8])], qos: Int, retain: Bool, timeout: Duration) async -> MQTTFailure? {
        // Packet ids are 16 bits: a chunk's publishes are acknowledged before the next chunk is sent,
        // so no two publishes waiting at the same time can have the same id.
        var start = 0
        while start < messages.count {
            let end = min(start + Self.chunk, messages.count)
            if let failure = await publishChunk(messages[start..<end], qos: qos, retain: retain, timeout: timeout) { return failure }
            start = end
        }
        return nil
    }

    private static let chunk = 10_000

    private func publishChunk(
        _ messages: ArraySlice<(topic: String, payload: [UInt8])>, qos: Int, retain: Bool, timeout: Duration
    ) async -> MQTTFailure? {
        guard !messages.isEmpty else { return nil }
        let batch = PublishBatch()
        let key = ObjectIdentifier(batch)
        state.withLock { $0.batches[key] = (batch, messages.count, nil) }
        for message in messages {
            let (code, mid) = send(message, qos: qos, retain: retain)
            if code != MOSQ_ERR_SUCCESS.rawValue {
                let failure = MQTTFailure(
                    message: "publishing to '\(message.topic)' failed: \(state.withLock { $0.lost } ?? MQTTFailure.text(code))",
                    retryable: MQTTFailure.isTransient(code))
                forget(key)
                return failure
            }
            state.withLock { state in
                if state.early.remove(mid) != nil {
                    state.batches[key]?.remaining -= 1
                } else {
                    state.inflight[mid] = key
                }
            }
        }
        let settled: MQTTFailure?? = state.withLock { state in
            guard let entry = state.batches[key], entry.remaining == 0 else { return .none }
            state.batches[key] = nil
            return .some(entry.failure)
        }
        if let settled { return settled }
        let result = await batch.done.value(within: timeout)
        forget(key)
        switch result {
        case .some(let outcome): return outcome
        case nil:
            if Task.isCancelled { return MQTTFailure(message: "publishing was cancelled", retryable: true) }
            return MQTTFailure(message: "the MQTT broker \(endpoint) did not acknowledge the publishes within \(timeout)", retryable: true)
        }
    }

    /// One PUBLISH handed to libmosquitto (which queues it for the network
    /// thread); its return code and packet id.
    private func send(_ message: (topic: String, payload: [UInt8]), qos: Int, retain: Bool) -> (Int32, Int32) {
        handleLock.lock()
        defer { handleLock.unlock() }
        guard let handle, state.withLock({ $0.lost == nil }) else { return (MOSQ_ERR_NO_CONN.rawValue, 0) }
        var mid: Int32 = 0
        let code = message.payload.withUnsafeBytes { bytes in
            mosquitto_publish_v5(handle, &mid, message.topic, Int32(bytes.count), bytes.baseAddress, Int32(qos), retain, nil)
        }
        return (code, mid)
    }

    private func forget(_ key: ObjectIdentifier) {
        state.withLock { state in
            state.batches[key] = nil
            state.inflight = state.inflight.filter { $0.value != key }
        }
    }

    // MARK: - The network thread

    private func run() {
        defer { ended.set(true) }
        let created: OpaquePointer? = settings.clientID.withOptionalCString { id in
            mosquitto_new(id, settings.cleanSession, Unmanaged.passUnretained(self).toOpaque())
        }
        guard let mosq = created else {
            opened.set(MQTTFailure(message: "libmosquitto could not make a client: \(String(cString: strerror(errno)))", retryable: false))
            return
        }
        handleLock.lock()
        handle = mosq
        handleLock.unlock()
        defer {
            handleLock.lock()
            handle = nil
            mosquitto_destroy(mosq)
            handleLock.unlock()
        }
        if let failure = configure(mosq) {
            opened.set(failure)
            return
        }
        var properties: OpaquePointer? = nil
        if !settings.cleanSession {
            mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), settings.sessionExpiry)
        }
        let code = mosquitto_connect_bind_v5(mosq, endpoint.host, Int32(endpoint.port), Int32(settings.keepAlive), nil, properties)
        mosquitto_property_free_all(&properties)
        guard code == MOSQ_ERR_SUCCESS.rawValue else {
            opened.set(
                MQTTFailure(
                    message: "could not connect to the MQTT broker \(endpoint): \(MQTTFailure.text(code))",
                    retryable: MQTTFailure.isTransient(code)))
            return
        }
        var connectedOnce = false
        while true {
            if state.withLock({ $0.stopRequested }) {
                if opened.current != nil, lostReason == nil { disconnectCleanly(mosq) }
                opened.set(MQTTFailure(message: "the connection was closed", retryable: true))
                return
            }
            let code = mosquitto_loop(mosq, 100, 1)
            if opened.current != nil { connectedOnce = true }
            guard code == MOSQ_ERR_SUCCESS.rawValue else {
                let reason = state.withLock { $0.disconnectReason } ?? MQTTFailure.text(code)
                if code == MOSQ_ERR_TLS.rawValue && !connectedOnce {
                    opened.set(MQTTFailure(message: "TLS with the MQTT broker \(endpoint) failed (certificate or key refused, or not a TLS port)", retryable: false))
                } else if !connectedOnce {
                    // Under TLS 1.3 a broker checks the client's certificate after the handshake, then closes.
                    let hint = endpoint.tls && settings.certFile == nil ? " (does it want a client certificate? cert_file, key_file)" : ""
                    opened.set(
                        MQTTFailure(
                            message: "the MQTT broker \(endpoint) closed the connection before accepting it: \(reason)\(hint)",
                            retryable: MQTTFailure.isTransient(code)))
                }
                connectionEnded("lost the connection to the MQTT broker \(endpoint): \(reason)")
                return
            }
        }
    }

    private func configure(_ mosq: OpaquePointer) -> MQTTFailure? {
        mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
        mosquitto_threaded_set(mosq, true)
        if settings.username != nil || settings.password != nil {
            let code = settings.username.withOptionalCString { user in
                settings.password.withOptionalCString { password in mosquitto_username_pw_set(mosq, user, password) }
            }
            if code != MOSQ_ERR_SUCCESS.rawValue {
                return MQTTFailure(message: "the username or password is not accepted by libmosquitto: \(MQTTFailure.text(code))", retryable: false)
            }
        }
        if endpoint.tls {
            if settings.caFile == nil { mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1) }
            if settings.caFile != nil || settings.certFile != nil {
                // libmosquitto takes a client certificate only with a CA; without a file of our own, the system's directory.
                let capath = settings.caFile == nil ? "/etc/ssl/certs" : nil
                let code = settings.caFile.withOptionalCString { ca in
                    capath.withOptionalCString { path in
                        settings.certFile.withOptionalCString { cert in
                            settings.keyFile.withOptionalCString { key in mosquitto_tls_set(mosq, ca, path, cert, key, nil) }
                        }
                    }
                }
                if code != MOSQ_ERR_SUCCESS.rawValue {
                    return MQTTFailure(
                        message: "the TLS files are not usable (ca_file, cert_file, key_file): \(MQTTFailure.text(code))", retryable: false)
                }
            }
            if settings.insecure {
                mosquitto_tls_opts_set(mosq, 0, nil, nil)
                mosquitto_tls_insecure_set(mosq, true)
            }
        }
        mosquitto_connect_v5_callback_set(mosq) { _, object, reason, flags, _ in
            MQTTConnection.from(object)?.connected(reason: reason, sessionPresent: flags != 0)
        }
        mosquitto_disconnect_v5_callback_set(mosq) { _, object, reason, _ in
            MQTTConnection.from(object)?.disconnected(reason: reason)
        }
        mosquitto_subscribe_v5_callback_set(mosq) { _, object, mid, count, granted, _ in
            let first = count > 0 ? granted?.pointee ?? 0x80 : 0x80
            MQTTConnection.from(object)?.subscribed(mid: mid, granted: first)
        }
        mosquitto_publish_v5_callback_set(mosq) { _, object, mid, reason, _ in
            MQTTConnection.from(object)?.acknowledged(mid: mid, reason: reason)
        }
        if inbox != nil {
            mosquitto_message_v5_callback_set(mosq) { _, object, message, properties in
                guard let message else { return }
                MQTTConnection.from(object)?.received(message.pointee, properties)
            }
        }
        return nil
    }

    private func disconnectCleanly(_ mosq: OpaquePointer) {
        guard mosquitto_disconnect_v5(mosq, 0, nil) == MOSQ_ERR_SUCCESS.rawValue else { return }
        // A few turns of the loop write the DISCONNECT out; it returns an error once the socket is closed.
        for _ in 0..<20 where mosquitto_loop(mosq, 50, 1) == MOSQ_ERR_SUCCESS.rawValue {}
    }

    private static func from(_ object: UnsafeMutableRawPointer?) -> MQTTConnection? {
        object.map { Unmanaged<MQTTConnection>.fromOpaque($0).takeUnretainedValue() }
    }

    // MARK: - Callbacks (on the network thread)

    private func connected(reason: Int32, sessionPresent: Bool) {
        guard reason == 0 else {
            opened.set(
                MQTTFailure(
                    message: "the MQTT broker \(endpoint) refused the connection: \(String(cString: mosquitto_reason_string(reason)))",
                    retryable: MQTTFailure.connackRetryable(reason)))
            return
        }
        state.withLock { $0.sessionPresent = sessionPresent }
        guard !subscriptions.isEmpty, let handle else {
            opened.set(nil)
            return
        }
        for subscription in subscriptions {
            var mid: Int32 = 0
            let code = mosquitto_subscribe_v5(handle, &mid, subscription.wireFilter, Int32(subscription.qos), 0, nil)
            guard code == MOSQ_ERR_SUCCESS.rawValue else {
                opened.set(
                    MQTTFailure(
                        message: "could not subscribe to '\(subscription.wireFilter)': \(MQTTFailure.text(code))",
                        retryable: MQTTFailure.isTransient(code)))
                return
            }
            state.withLock { $0.pendingSubscriptions[mid] = subscription.wireFilter }
        }
    }

    private func subscribed(mid: Int32, granted: Int32) {
        let (filter, left) = state.withLock { state in (state.pendingSubscriptions.removeValue(forKey: mid), state.pendingSubscriptions.count) }
        guard let filter else { return }
        if granted >= 0x80 {
            opened.set(
                MQTTFailure(
                    message: "the MQTT broker \(endpoint) refused the subscription to '\(filter)': \(String(cString: mosquitto_reason_string(granted)))",
                    retryable: false))
        } else if left == 0 {
            opened.set(nil)
        }
    }

    private func disconnected(reason: Int32) {
        // One number, two meanings: an MQTT 5 reason code when the broker sent
        // a DISCONNECT (those that say why are 0x80 and up), else libmosquitto's
        // own error code (the connection was lost); 0 is a disconnection we asked for.
        guard reason > 0 else { return }
        let text = String(cString: reason >= 0x80 ? mosquitto_reason_string(reason) : mosquitto_strerror(reason))
        state.withLock { $0.disconnectReason = text }
    }

    private func acknowledged(mid: Int32, reason: Int32) {
        let finished: (PublishBatch, MQTTFailure?)? = state.withLock { state in
            guard let key = state.inflight.removeValue(forKey: mid) else {
                state.early.insert(mid)
                return nil
            }
            guard var entry = state.batches[key] else { return nil }
            entry.remaining -= 1
            if reason >= 0x80, entry.failure == nil {
                entry.failure = MQTTFailure(
                    message: "the MQTT broker refused a publish: \(String(cString: mosquitto_reason_string(reason)))", retryable: false)
            }
            if entry.remaining > 0 {
                state.batches[key] = entry
                return nil
            }
            state.batches[key] = nil
            return (entry.batch, entry.failure)
        }
        if let (batch, failure) = finished { batch.done.set(failure) }
    }

    private func received(_ message: mosquitto_message, _ properties: OpaquePointer?) {
        guard let inbox else { return }
        let payload: [UInt8] =
            message.payloadlen > 0 && message.payload != nil
            ? Array(UnsafeRawBufferPointer(start: message.payload, count: Int(message.payloadlen))) : []
        var item = MQTTMessage(
            topic: message.topic.map { String(cString: $0) } ?? "", payload: payload, qos: Int(message.qos),
            retain: message.retain, messageID: Int(message.mid), contentType: nil, responseTopic: nil, userProperties: [])
        if let properties {
            item.contentType = Self.string(properties, MQTT_PROP_CONTENT_TYPE)
            item.responseTopic = Self.string(properties, MQTT_PROP_RESPONSE_TOPIC)
            item.userProperties = Self.userProperties(properties)
        }
        _ = inbox.put(item)
    }

    private func connectionEnded(_ reason: String) {
        let failed: [(PublishBatch, MQTTFailure)] = state.withLock { state in
            state.lost = reason
            let failure = MQTTFailure(message: reason, retryable: true)
            let batches = state.batches.values.map { ($0.batch, $0.failure ?? failure) }
            state.batches = [:]
            state.inflight = [:]
            return batches
        }
        for (batch, failure) in failed { batch.done.set(failure) }
        inbox?.lose(reason)
    }

    // MARK: - MQTT 5 properties

    private static func string(_ properties: OpaquePointer, _ identifier: mqtt5_property) -> String? {
        var value: UnsafeMutablePointer<CChar>? = nil
        guard mosquitto_property_read_string(properties, Int32(identifier.rawValue), &value, false) != nil, let value else { return nil }
        defer { free(value) }
        return String(cString: value)
    }

    private static func userProperties(_ properties: OpaquePointer) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var cursor: OpaquePointer? = properties
        var skipFirst = false
        while let current = cursor {
            var name: UnsafeMutablePointer<CChar>? = nil
            var value: UnsafeMutablePointer<CChar>? = nil
            guard let found = mosquitto_property_read_string_pair(current, Int32(MQTT_PROP_USER_PROPERTY.rawValue), &name, &value, skipFirst)
            else { break }
            if let name, let value { pairs.append((String(cString: name), String(cString: value))) }
            free(name)
            free(value)
            cursor = found
            skipFirst = true
        }
        return pairs
    }
}

extension Optional where Wrapped == String {
    /// The string as a C string for the call, or a null pointer.
    fileprivate func withOptionalCString<R>(_ body: (UnsafePointer<CChar>?) -> R) -> R {
        switch self {
        case .some(let text): text.withCString { body($0) }
        case .none: body(nil)
        }
    }
}
