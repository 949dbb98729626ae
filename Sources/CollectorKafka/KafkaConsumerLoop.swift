import CRdKafka
import Collectors
import CollectorValues
import Foundation

/// A Kafka consumer-group member on a thread of its own: the thread polls
/// librdkafka (which may wait), serves its rebalances, and hands messages to
/// one async reader; the cooperative pool never waits on librdkafka.
///
/// Offsets: a message is handed out with a sequence number; `acknowledge`
/// with a sequence stores (librdkafka's `offsets_store`, committed by its
/// auto-commit) the offset after every message handed out up to it, so an
/// offset is committed only once the messages before it are acknowledged.
///
/// Revocation (a rebalance takes partitions away): the callback only notes
/// it and returns. The thread then stops handing out the revoked partitions'
/// messages (those read ahead are dropped: their offsets are not
/// committed, so the next owner reads them), waits until those handed out
/// are acknowledged or `revokeWait` has passed, commits what was
/// acknowledged, and only then gives the partitions up.
final class KafkaConsumerLoop: @unchecked Sendable {
    // @unchecked: the mutable state below is only touched under `condition`;
    // the handle is librdkafka's, whose calls made here are thread-safe.

    enum Start: String, Sendable {
        case committed, earliest, latest
    }

    /// A message taken from the read-ahead buffer, not yet handed out: `handOut` numbers it.
    struct Taken: Sendable {
        var message: KafkaMessage
        /// The assignment of its partition it was read in.
        var epoch: UInt64
    }

    private struct PartitionState {
        var epoch: UInt64
        /// The offset of the last message handed out, if any.
        var handedOut: Int64?
        /// The offset after the last acknowledged message (what is committed).
        var acknowledged: Int64?
        var revoking = false

        var settled: Bool {
            guard let handedOut else { return true }
            return (acknowledged ?? Int64.min) > handedOut
        }
    }

    private struct Handed {
        var sequence: UInt64
        var place: TopicPartition
        var epoch: UInt64
        var offset: Int64
    }

    private struct Revoke {
        var partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
        var places: [TopicPartition]
        var cooperative: Bool
        var deadline: ContinuousClock.Instant
    }

    let sourceID: String
    private let start: Start
    private let revokeWait: Duration
    private let bufferLimit: Int
    private let condition = NSCondition()
    private var handle: OpaquePointer?
    private var buffer: [KafkaMessage] = []
    private var bufferHead = 0
    private var waiter: CheckedContinuation<[Taken]?, any Error>?
    private var waiterLimit = 1
    /// With `stopAtEnd`: the partitions read to their end (librdkafka's partition EOF).
    private var atEnd: Set<TopicPartition> = []
    private let stopAtEnd: Bool
    private var owned: [TopicPartition: PartitionState] = [:]
    /// Partitions assigned before in this run (`start` applies to the first assignment only).
    private var seen: Set<TopicPartition> = []
    private var handed: [Handed] = []
    private var handedHead = 0
    private var sequence: UInt64 = 0
    private var epochs: UInt64 = 0
    private var pendingRevoke: Revoke?
    private var stopping = false
    private var closing = false
    private var failure: ErrorInfo?
    private var finished = false
    private var finishWaiters: [CheckedContinuation<Void, Never>] = []
    private var lastCommit: ContinuousClock.Instant?
    private static let commitInterval = Duration.milliseconds(200)

    init(sourceID: String, start: Start, revokeWait: Duration, bufferLimit: Int, stopAtEnd: Bool) {
        self.stopAtEnd = stopAtEnd
        self.sourceID = sourceID
        self.start = start
        self.revokeWait = revokeWait
        self.bufferLimit = max(1, bufferLimit)
    }

    /// Makes the consumer, subscribes, and starts the thread.
    func start(configuration pairs: [(String, String)], topics: [String]) throws(ErrorInfo) {
        let conf = try KafkaConfiguration.make(pairs, component: "source '\(sourceID)'", layer: .collection)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback)
        rd_kafka_conf_set_error_cb(conf, kafkaConsumerErrorCallback)
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw problem(.configuration, "cannot make a Kafka consumer: \(KafkaConfiguration.text(errstr))")
        }
        rd_kafka_poll_set_consumer(rk)
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, CRDKAFKA_PARTITION_UA) }
        let result = rd_kafka_subscribe(rk, list)
        rd_kafka_topic_partition_list_destroy(list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_destroy(rk)
            throw problem(.configuration, "cannot subscribe to \(topics): \(KafkaConfiguration.describe(result))")
        }
        handle = rk
        // The thread keeps the loop alive (the callbacks' opaque pointer is unretained).
        let owned = KafkaHandle(rk)
        let thread = Thread { [self] in run(owned.pointer) }
        thread.name = "kafka-consumer"
        thread.start()
    }

    // MARK: the async side

    /// The next messages (`limit` at most, at least one) in one hand-over,
    /// waiting (without holding a thread) until one comes; nil with
    /// `stopAtEnd` once every assigned partition is read to its end. They
    /// count as read only once `handOut` numbers each, so that messages taken
    /// but not handed out (a reader that stopped) are not waited for.
    func take(limit: Int) async throws -> [Taken]? {
        let limit = max(1, limit)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Taken]?, any Error>) in
                condition.lock()
                if let failure {
                    condition.unlock()
                    return continuation.resume(throwing: failure)
                }
                if stopping || finished {
                    condition.unlock()
                    return continuation.resume(throwing: problem(.connection, "source '\(sourceID)' is disconnected"))
                }
                var taken: [Taken] = []
                while bufferHead < buffer.count, taken.count < limit {
                    let message = buffer[bufferHead]
                    bufferHead += 1
                    if let state = owned[message.place], !state.revoking {
                        taken.append(Taken(message: message, epoch: state.epoch))
                    }
                }
                compactBuffer()
                if !taken.isEmpty {
                    // The thread waits while the buffer is full; it goes on once half of it is taken.
                    if buffer.count - bufferHead <= bufferLimit / 2 { condition.signal() }
                    condition.unlock()
                    return continuation.resume(returning: taken)
                }
                if caughtUp {
                    condition.unlock()
                    return continuation.resume(returning: nil)
                }
                if waiter != nil {
                    condition.unlock()
                    return continuation.resume(
                        throwing: problem(.configuration, "source '\(sourceID)' is already being read by another caller"))
                }
                if Task.isCancelled {
                    condition.unlock()
                    return continuation.resume(throwing: CancellationError())
                }
                waiter = continuation
                waiterLimit = limit
                condition.unlock()
            }
        } onCancel: {
            condition.lock()
            let waiting = waiter
            waiter = nil
            condition.unlock()
            waiting?.resume(throwing: CancellationError())
        }
    }

    /// Everything handed out up to `sequence` is stored: its offsets may be committed.
    func acknowledge(upTo acknowledged: UInt64, commitNow: Bool) {
        condition.lock()
        defer { condition.unlock() }
        var changed: [TopicPartition: Int64] = [:]
        while handedHead < handed.count, handed[handedHead].sequence <= acknowledged {
            let entry = handed[handedHead]
            handedHead += 1
            guard var state = owned[entry.place], state.epoch == entry.epoch else { continue }
            state.acknowledged = entry.offset + 1
            owned[entry.place] = state
            changed[entry.place] = entry.offset + 1
        }
        if handedHead == handed.count {
            handed.removeAll(keepingCapacity: true)
            handedHead = 0
        } else if handedHead > 4096, handedHead * 2 > handed.count {
            handed.removeFirst(handedHead)
            handedHead = 0
        }
        if let rk = handle, !finished, !changed.isEmpty {
            let list = Self.list(changed)
            _ = rd_kafka_offsets_store(rk, list)
            rd_kafka_topic_partition_list_destroy(list)
            // Committed at once (asynchronously), at most every `commitInterval`; librdkafka's
            // auto-commit takes what is left. The less is left, the less a rebalance reads twice.
            let now = ContinuousClock.now
            if commitNow || lastCommit.map({ $0.duration(to: now) >= Self.commitInterval }) ?? true {
                lastCommit = now
                _ = rd_kafka_commit(rk, nil, 1)
            }
        }
        condition.broadcast()
    }

    /// With `stopAtEnd`: every partition assigned is read to its end and handed out. Under the lock.
    private var caughtUp: Bool {
        stopAtEnd && pendingRevoke == nil && !owned.isEmpty && bufferHead == buffer.count
            && owned.keys.allSatisfy { atEnd.contains($0) }
    }

    /// The partitions assigned now (and not being revoked).
    var assignment: Set<TopicPartition> {
        condition.lock()
        defer { condition.unlock() }
        return Set(owned.filter { !$0.value.revoking }.keys)
    }

    /// Whether every message handed out is acknowledged.
    var settled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return owned.values.allSatisfy(\.settled)
    }

    /// Stops the thread: what was acknowledged is committed, the consumer
    /// leaves its group (`rd_kafka_consumer_close`) and is destroyed.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            stopping = true
            let waiting = waiter
            waiter = nil
            if finished {
                condition.unlock()
                continuation.resume()
            } else {
                finishWaiters.append(continuation)
                condition.broadcast()
                condition.unlock()
            }
            waiting?.resume(throwing: problem(.connection, "source '\(sourceID)' is disconnected"))
        }
    }

    /// Stops the thread without waiting for it (a source dropped without
    /// `disconnect()`): what was acknowledged is committed, the rest is not.
    func abandon() {
        condition.lock()
        stopping = true
        let waiting = waiter
        waiter = nil
        condition.broadcast()
        condition.unlock()
        waiting?.resume(throwing: problem(.connection, "source '\(sourceID)' is disconnected"))
    }

    // MARK: the thread

    private func run(_ rk: OpaquePointer) {
        let clock = ContinuousClock()
        var topics: [OpaquePointer: (String, [CChar])] = [:]
        while true {
            condition.lock()
            if let revoke = pendingRevoke {
                let settled = revoke.places.allSatisfy { owned[$0]?.settled ?? true }
                if stopping || settled || clock.now >= revoke.deadline {
                    pendingRevoke = nil
                    let offsets = forget(revoke.places)
                    condition.unlock()
                    giveUp(rk, revoke.partitions, cooperative: revoke.cooperative, offsets: offsets)
                    rd_kafka_topic_partition_list_destroy(revoke.partitions)
                    continue
                }
                _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
                condition.unlock()
                continue
            }
            if stopping {
                condition.unlock()
                break
            }
            if buffer.count - bufferHead >= bufferLimit {
                _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
                condition.unlock()
                continue
            }
            condition.unlock()
            guard let first = rd_kafka_consumer_poll(rk, 100) else { continue }
            // What else is ready goes out with it, in one hand-over (one wake-up of the reader, not one a message).
            var messages: [KafkaMessage] = []
            var next: UnsafeMutablePointer<rd_kafka_message_t>? = first
            while let message = next {
                if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    messages.append(KafkaMessage(message, topics: &topics))
                } else {
                    // Events apply after the messages before them.
                    deliver(messages)
                    messages.removeAll()
                    if message.pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
                        reachedEnd(TopicPartition(topic: topic, partition: message.pointee.partition))
                    } else {
                        noteError(message.pointee.err, text: rd_kafka_message_errstr(message).map { String(cString: $0) })
                    }
                }
                rd_kafka_message_destroy(message)
                next = messages.count < Self.handOverLimit ? rd_kafka_consumer_poll(rk, 0) : nil
            }
            deliver(messages)
        }
        condition.lock()
        closing = true
        condition.unlock()
        // Serves the last revocation in the callback (committing what was acknowledged) and leaves the group.
        _ = rd_kafka_consumer_close(rk)
        condition.lock()
        handle = nil
        condition.unlock()
        rd_kafka_destroy(rk)
        condition.lock()
        finished = true
        let waiting = finishWaiters
        finishWaiters = []
        condition.unlock()
        for continuation in waiting { continuation.resume() }
    }

    private func reachedEnd(_ place: TopicPartition) {
        condition.lock()
        atEnd.insert(place)
        var waiting: CheckedContinuation<[Taken]?, any Error>?
        if caughtUp {
            waiting = waiter
            waiter = nil
        }
        condition.unlock()
        waiting?.resume(returning: nil)
    }

    private func deliver(_ messages: [KafkaMessage]) {
        guard !messages.isEmpty else { return }
        condition.lock()
        let continuation = bufferHead == buffer.count ? waiter : nil
        var taken: [Taken] = []
        for message in messages {
            atEnd.remove(message.place)
            guard let state = owned[message.place], !state.revoking else { continue }
            if continuation != nil, bufferHead == buffer.count, taken.count < waiterLimit {
                taken.append(Taken(message: message, epoch: state.epoch))
            } else {
                buffer.append(message)
            }
        }
        if let continuation, !taken.isEmpty {
            waiter = nil
            condition.unlock()
            continuation.resume(returning: taken)
        } else {
            condition.unlock()
        }
    }

    /// The most messages handed over at once.
    private static let handOverLimit = 500

    /// Numbers a message taken and notes it as handed out (its offset is
    /// committed once `acknowledge` reaches the number); nil when its
    /// partition was revoked since it was taken (the next owner reads it).
    func handOut(_ taken: Taken) -> UInt64? {
        condition.lock()
        defer { condition.unlock() }
        let place = taken.message.place
        guard var state = owned[place], !state.revoking, state.epoch == taken.epoch else { return nil }
        sequence += 1
        state.handedOut = taken.message.offset
        owned[place] = state
        handed.append(Handed(sequence: sequence, place: place, epoch: state.epoch, offset: taken.message.offset))
        return sequence
    }

    private func compactBuffer() {
        if bufferHead == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            bufferHead = 0
        } else if bufferHead > 1024, bufferHead * 2 > buffer.count {
            buffer.removeFirst(bufferHead)
            bufferHead = 0
        }
    }

    /// Drops the partitions' state and what was read ahead of them; the offsets acknowledged. Under the lock.
    private func forget(_ places: [TopicPartition]) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for place in places {
            if let acknowledged = owned[place]?.acknowledged { offsets[place] = acknowledged }
            owned[place] = nil
        }
        let gone = Set(places)
        let kept = buffer[bufferHead...].filter { !gone.contains($0.place) }
        buffer = Array(kept)
        bufferHead = 0
        return offsets
    }

    /// Commits the acknowledged offsets of revoked partitions (waiting for the broker, on this thread) and unassigns them.
    private func giveUp(
        _ rk: OpaquePointer, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, cooperative: Bool,
        offsets: [TopicPartition: Int64]
    ) {
        if !offsets.isEmpty, rd_kafka_assignment_lost(rk) == 0 {
            let list = Self.list(offsets)
            let committed = rd_kafka_commit(rk, list, 0)
            if committed != RD_KAFKA_RESP_ERR_NO_ERROR {
                StandardError.write(
                    "collector: source '\(sourceID)': the offsets of partitions given up in a rebalance were not committed "
                        + "(\(KafkaConfiguration.describe(committed))): their records since the last commit will be read again\n")
            }
            rd_kafka_topic_partition_list_destroy(list)
        }
        if cooperative {
            if let error = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(error) }
        } else {
            _ = rd_kafka_assign(rk, nil)
        }
    }

    // MARK: callbacks (on this loop's thread, from rd_kafka_consumer_poll or rd_kafka_consumer_close)

    fileprivate func rebalance(
        _ rk: OpaquePointer, _ error: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    ) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let places = Self.places(partitions)
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            condition.lock()
            for (index, place) in places.enumerated() {
                epochs += 1
                owned[place] = PartitionState(epoch: epochs)
                if !seen.contains(place) {
                    seen.insert(place)
                    switch start {
                    case .committed: break
                    case .earliest: partitions.pointee.elems[index].offset = CRDKAFKA_OFFSET_BEGINNING
                    case .latest: partitions.pointee.elems[index].offset = CRDKAFKA_OFFSET_END
                    }
                }
            }
            condition.unlock()
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                _ = rd_kafka_assign(rk, partitions)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            condition.lock()
            for place in places { owned[place]?.revoking = true }
            if closing || rd_kafka_assignment_lost(rk) != 0 {
                // Closing: the wait for acknowledgements is over already. Lost: the partitions are not ours to commit.
                let offsets = forget(places)
                condition.unlock()
                giveUp(rk, partitions, cooperative: cooperative, offsets: offsets)
                return
            }
            // Returns at once; the thread's loop finishes the revocation.
            pendingRevoke = Revoke(
                partitions: rd_kafka_topic_partition_list_copy(partitions), places: places, cooperative: cooperative,
                deadline: ContinuousClock.now.advanced(by: revokeWait))
            _ = forgetReadAhead(places)
            condition.unlock()
        default:
            condition.lock()
            let offsets = forget(Array(owned.keys))
            condition.unlock()
            _ = offsets
            _ = rd_kafka_assign(rk, nil)
        }
    }

    /// Drops what was read ahead of these partitions (not handed out, so not to be committed). Under the lock.
    private func forgetReadAhead(_ places: [TopicPartition]) -> Int {
        let gone = Set(places)
        let before = buffer.count - bufferHead
        buffer = buffer[bufferHead...].filter { !gone.contains($0.place) }
        bufferHead = 0
        return before - buffer.count
    }

    fileprivate func noteError(_ code: rd_kafka_resp_err_t, text: String?) {
        let reason = text.map { "\($0) (\(KafkaConfiguration.describe(code)))" } ?? KafkaConfiguration.describe(code)
        let type: ErrorType
        switch code {
        case RD_KAFKA_RESP_ERR__FATAL: type = .connection
        case RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED,
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
            type = .authentication
        case RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            // A topic that does not exist (yet): librdkafka keeps looking.
            StandardError.write("collector: source '\(sourceID)': \(reason)\n")
            return
        default:
            // Transient (a broker down, a connection lost): librdkafka reconnects by itself.
            return
        }
        condition.lock()
        if failure == nil {
            failure = problem(type, "Kafka consumer failed: \(reason)")
        }
        let waiting = waiter
        waiter = nil
        let failed = failure!
        condition.unlock()
        waiting?.resume(throwing: failed)
    }

    private func problem(_ type: ErrorType, _ message: String) -> ErrorInfo {
        ErrorInfo(type, layer: .collection, operation: "collect", message: message, details: ["source_id": .string(sourceID)])
    }

    private static func places(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return TopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }

    private static func list(_ offsets: [TopicPartition: Int64]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for (place, offset) in offsets {
            rd_kafka_topic_partition_list_add(list, place.topic, place.partition).pointee.offset = offset
        }
        return list
    }
}

private func kafkaRebalanceCallback(
    _ rk: OpaquePointer?, _ error: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let rk, let partitions, let opaque else { return }
    Unmanaged<KafkaConsumerLoop>.fromOpaque(opaque).takeUnretainedValue().rebalance(rk, error, partitions)
}

private func kafkaConsumerErrorCallback(
    _ rk: OpaquePointer?, _ error: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let opaque else { return }
    let code = rd_kafka_resp_err_t(rawValue: error)
    Unmanaged<KafkaConsumerLoop>.fromOpaque(opaque).takeUnretainedValue()
        .noteError(code, text: reason.map { String(cString: $0) })
}
