import CRdKafka
import Collectors
import Foundation

/// A librdkafka producer on a thread of its own, which serves its delivery
/// reports (`rd_kafka_poll`); `send` hands messages over and awaits, without
/// holding a thread, the broker's answer for every one of them.
final class KafkaProducer: @unchecked Sendable {
    // @unchecked: the mutable state is only touched under `lock`; librdkafka's
    // produce and poll calls are thread-safe.

    /// One message to send.
    struct Outgoing {
        var topic: String
        var key: [UInt8]?
        var payload: [UInt8]
    }

    /// Messages to one topic, their payloads back to back in one buffer
    /// (one allocation a batch, not one a message; librdkafka copies each).
    struct OutgoingBatch {
        var topic: String
        var bytes: [UInt8] = []
        var payloads: [Range<Int>] = []
        /// One per payload, or empty when none has a key.
        var keys: [[UInt8]?] = []

        init(topic: String) { self.topic = topic }

        var count: Int { payloads.count }
    }

    /// What the broker answered for one message.
    struct Outcome: Sendable {
        var error: rd_kafka_resp_err_t
        var partition: Int32
        var offset: Int64
        var ok: Bool { error == RD_KAFKA_RESP_ERR_NO_ERROR }
    }

    private final class Batch: @unchecked Sendable {
        // @unchecked: written under the producer's lock, read once it is out of `batches`.
        var outcomes: [Outcome?]
        var remaining: Int
        var continuation: CheckedContinuation<[Outcome], Never>?
        init(count: Int) {
            outcomes = Array(repeating: nil, count: count)
            remaining = count
        }
    }

    let backendID: String
    private let lock = NSLock()
    private var handle: OpaquePointer?
    private var topics: [String: OpaquePointer] = [:]
    private var batches: [UInt64: Batch] = [:]
    private var nextBatch: UInt64 = 0
    private var stopping = false
    private var finished: CheckedContinuation<Void, Never>?
    private var done = false

    init(backendID: String, configuration pairs: [(String, String)]) throws(ErrorInfo) {
        self.backendID = backendID
        let conf = try KafkaConfiguration.make(pairs, component: "backend '\(backendID)'", layer: .storage)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf, kafkaDeliveryCallback)
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw ErrorInfo(
                .configuration, layer: .storage, operation: "connect",
                message: "backend '\(backendID)': cannot make a Kafka producer: \(KafkaConfiguration.text(errstr))",
                details: ["backend_id": .string(backendID)])
        }
        handle = rk
        let owned = KafkaHandle(rk)
        let thread = Thread { [self] in run(owned.pointer) }
        thread.name = "kafka-producer"
        thread.start()
    }

    /// The producer's fatal error (an idempotent producer that cannot go on), if it has one.
    var fatalError: String? {
        lock.lock()
        defer { lock.unlock() }
        guard let rk = handle else { return "the producer is closed" }
        var errstr = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(rk, &errstr, errstr.count)
        return code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : "\(KafkaConfiguration.text(errstr)) (\(KafkaConfiguration.describe(code)))"
    }

    /// Sends the messages and returns the broker's answer for each, in
    /// order. A message librdkafka refuses at once (too large, unknown
    /// topic) gets that error without being sent; a full local queue is waited out.
    func send(_ messages: [Outgoing]) async -> [Outcome] {
        var outcomes: [Outcome] = []
        var index = 0
        while index < messages.count {
            let topic = messages[index].topic
            var batch = OutgoingBatch(topic: topic)
            var keyed = false
            while index < messages.count, messages[index].topic == topic {
                let start = batch.bytes.count
                batch.bytes += messages[index].payload
                batch.payloads.append(start..<batch.bytes.count)
                batch.keys.append(messages[index].key)
                keyed = keyed || messages[index].key != nil
                index += 1
            }
            if !keyed { batch.keys = [] }
            outcomes += await send(batch)
        }
        return outcomes
    }

    /// Sends a batch, as `send(_:)` does.
    func send(_ messages: OutgoingBatch) async -> [Outcome] {
        guard messages.count > 0 else { return [] }
        guard messages.count < Self.indexLimit else {
            var outcomes: [Outcome] = []
            var start = 0
            while start < messages.count {
                let end = min(messages.count, start + Self.indexLimit - 1)
                var part = OutgoingBatch(topic: messages.topic)
                part.bytes = messages.bytes
                part.payloads = Array(messages.payloads[start..<end])
                part.keys = messages.keys.isEmpty ? [] : Array(messages.keys[start..<end])
                outcomes += await send(part)
                start = end
            }
            return outcomes
        }
        let batch = Batch(count: messages.count)
        let batchID = lock.withLock {
            nextBatch += 1
            batches[nextBatch] = batch
            return nextBatch
        }
        var index = 0
        while index < messages.count {
            index = produce(messages, from: index, batch: batchID)
            // A full local queue: wait for librdkafka to send some (the thread serves it), then go on.
            if index < messages.count { try? await Task.sleep(for: .milliseconds(5)) }
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                lock.lock()
                if batch.remaining == 0 || Task.isCancelled {
                    batches[batchID] = nil
                    lock.unlock()
                    continuation.resume(returning: Self.finished(batch))
                } else {
                    batch.continuation = continuation
                    lock.unlock()
                }
            }
        } onCancel: {
            // Stops waiting: what is still unanswered counts as not delivered (it may still be, later).
            lock.lock()
            let waiting = batches.removeValue(forKey: batchID)?.continuation
            lock.unlock()
            waiting?.resume(returning: Self.finished(batch))
        }
    }

    /// A batch's outcomes, those still unanswered as not delivered.
    private static func finished(_ batch: Batch) -> [Outcome] {
        batch.outcomes.map { $0 ?? Outcome(error: RD_KAFKA_RESP_ERR__TIMED_OUT, partition: -1, offset: -1) }
    }

    /// Hands messages from `start` on to librdkafka, under one lock, until
    /// done or its queue is full; returns the index of the first not handed.
    /// A message refused at once gets its outcome here.
    private func produce(_ messages: OutgoingBatch, from start: Int, batch: UInt64) -> Int {
        var refused: [(Int, rd_kafka_resp_err_t)] = []
        defer {
            for (index, code) in refused { resolve(batch: batch, index: index, Outcome(error: code, partition: -1, offset: -1)) }
        }
        // Under the lock: the thread destroys the handle and its topics under it
        // too, and rd_kafka_produce does not wait (nor call back).
        lock.lock()
        defer { lock.unlock() }
        guard let rk = handle, !stopping else {
            refused = (start..<messages.count).map { ($0, RD_KAFKA_RESP_ERR__DESTROY) }
            return messages.count
        }
        let topic: OpaquePointer
        if let known = topics[messages.topic] {
            topic = known
        } else {
            guard let made = rd_kafka_topic_new(rk, messages.topic, nil) else {
                let code = rd_kafka_last_error()
                refused = (start..<messages.count).map { ($0, code) }
                return messages.count
            }
            topics[messages.topic] = made
            topic = made
        }
        return messages.bytes.withUnsafeBytes { buffer in
            var index = start
            while index < messages.count {
                let range = messages.payloads[index]
                // The message's opaque names its batch and place: the delivery report finds it without a lookup table.
                let opaque = UnsafeMutableRawPointer(bitPattern: UInt(batch) << Self.indexBits | UInt(index))
                // F_COPY: librdkafka copies the bytes and never writes through the pointer.
                let body = UnsafeMutableRawPointer(mutating: buffer.baseAddress.map { $0 + range.lowerBound })
                let result: Int32
                if !messages.keys.isEmpty, let key = messages.keys[index] {
                    result = key.withUnsafeBytes { keyBytes in
                        rd_kafka_produce(
                            topic, CRDKAFKA_PARTITION_UA, CRDKAFKA_MSG_F_COPY, body, range.count, keyBytes.baseAddress,
                            keyBytes.count, opaque)
                    }
                } else {
                    result = rd_kafka_produce(topic, CRDKAFKA_PARTITION_UA, CRDKAFKA_MSG_F_COPY, body, range.count, nil, 0, opaque)
                }
                if result != 0 {
                    let code = rd_kafka_last_error()
                    if code == RD_KAFKA_RESP_ERR__QUEUE_FULL { return index }
                    refused.append((index, code))
                }
                index += 1
            }
            return index
        }
    }

    fileprivate func delivered(token: UInt, _ outcome: Outcome) {
        resolve(batch: UInt64(token >> Self.indexBits), index: Int(token & UInt(Self.indexLimit - 1)), outcome)
    }

    /// A message's opaque: its batch's number above these bits, its index in the batch below.
    private static let indexBits = 24
    private static let indexLimit = 1 << indexBits

    private func resolve(batch batchID: UInt64, index: Int, _ outcome: Outcome) {
        lock.lock()
        guard let batch = batches[batchID], batch.outcomes[index] == nil else {
            lock.unlock()
            return
        }
        batch.outcomes[index] = outcome
        batch.remaining -= 1
        var waiting: CheckedContinuation<[Outcome], Never>?
        if batch.remaining == 0, let continuation = batch.continuation {
            batches[batchID] = nil
            waiting = continuation
        }
        lock.unlock()
        waiting?.resume(returning: batch.outcomes.map { $0! })
    }

    /// Waits (`timeout` at most) for what is queued, then destroys the producer.
    func close(timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if done {
                lock.unlock()
                return continuation.resume()
            }
            stopping = true
            closeTimeout = timeout
            finished = continuation
            lock.unlock()
        }
    }

    private var closeTimeout: Duration = .seconds(5)

    private func run(_ rk: OpaquePointer) {
        while true {
            _ = rd_kafka_poll(rk, 100)
            lock.lock()
            let stop = stopping
            let timeout = closeTimeout
            lock.unlock()
            if stop {
                let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
                _ = rd_kafka_flush(rk, milliseconds)
                break
            }
        }
        lock.lock()
        let topicHandles = Array(topics.values)
        topics = [:]
        handle = nil
        lock.unlock()
        // What is still queued is reported failed (purged): the batches waiting for it fail below.
        _ = rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        _ = rd_kafka_poll(rk, 0)
        for topic in topicHandles { rd_kafka_topic_destroy(topic) }
        rd_kafka_destroy(rk)
        lock.lock()
        done = true
        let waiting = finished
        finished = nil
        // Anything still unanswered will not be: fail it.
        let open = batches
        batches = [:]
        lock.unlock()
        for batch in open.values {
            let outcomes = batch.outcomes.map { $0 ?? Outcome(error: RD_KAFKA_RESP_ERR__DESTROY, partition: -1, offset: -1) }
            batch.continuation?.resume(returning: outcomes)
        }
        waiting?.resume()
    }
}

private func kafkaDeliveryCallback(
    _ rk: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let opaque, let token = message.pointee._private.map({ UInt(bitPattern: $0) }) else { return }
    let outcome = KafkaProducer.Outcome(error: message.pointee.err, partition: message.pointee.partition, offset: message.pointee.offset)
    Unmanaged<KafkaProducer>.fromOpaque(opaque).takeUnretainedValue().delivered(token: token, outcome)
}
