/// A partition of a topic.
struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    var topic: String
    var partition: Int32
    var description: String { "\(topic)[\(partition)]" }
}
