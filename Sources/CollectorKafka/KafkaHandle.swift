/// A librdkafka handle handed to the thread that owns it.
struct KafkaHandle: @unchecked Sendable {
    // @unchecked: only the receiving thread uses it (librdkafka's calls on it are thread-safe too).
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
