import CRdKafka
import CollectorValues
import Foundation

/// One Kafka message, copied out of librdkafka (which frees its own at once).
struct KafkaMessage: Sendable {
    var place: TopicPartition
    var offset: Int64
    var key: [UInt8]?
    var payload: [UInt8]
    /// Milliseconds since the epoch (the producer's or the broker's), when the message has one.
    var timestamp: Int64?
    var headers: [(name: String, value: [UInt8]?)]

    /// `topics` keeps each topic's name as a String once, not once a message
    /// (checked against the handle's name: a handle freed may be reused).
    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>, topics: inout [OpaquePointer: (String, [CChar])]) {
        let m = message.pointee
        let topic: String
        if let rkt = m.rkt {
            let name = rd_kafka_topic_name(rkt)!
            if let known = topics[rkt], strcmp(known.1, name) == 0 {
                topic = known.0
            } else {
                topic = String(cString: name)
                topics[rkt] = (topic, Array(topic.utf8CString))
            }
        } else {
            topic = ""
        }
        place = TopicPartition(topic: topic, partition: m.partition)
        offset = m.offset
        payload = m.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        key = m.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let stamp = rd_kafka_message_timestamp(message, &type)
        timestamp = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || stamp < 0 ? nil : stamp
        headers = []
        var list: OpaquePointer?
        if rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = value.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) }
                headers.append((name.map { String(cString: $0) } ?? "", bytes))
                index += 1
            }
        }
    }

    /// What `CollectedData.metadata` carries: `topic`, `partition`,
    /// `offset`, `key`, `timestamp` (milliseconds), `headers` (by name;
    /// bytes that are not UTF-8 as base64, and a name given twice keeps the last).
    var metadata: DataObject {
        var object: DataObject = [
            "topic": .string(place.topic), "partition": .integer(Int64(place.partition)), "offset": .integer(offset),
        ]
        object["key"] = key.map(Self.text) ?? .null
        object["timestamp"] = timestamp.map { .integer($0) } ?? .null
        var names = DataObject()
        for header in headers { names[header.name] = header.value.map(Self.text) ?? .null }
        object["headers"] = .object(names)
        return object
    }

    private static func text(_ bytes: [UInt8]) -> DataValue {
        if let text = String(validating: bytes, as: UTF8.self) { return .string(text) }
        return .string(Data(bytes).base64EncodedString())
    }
}
