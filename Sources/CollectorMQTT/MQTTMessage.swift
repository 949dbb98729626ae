/// A message as it arrived from the broker.
struct MQTTMessage: Sendable {
    var topic: String
    var payload: [UInt8]
    var qos: Int
    var retain: Bool
    /// The packet identifier (0 at QoS 0).
    var messageID: Int
    /// MQTT 5 properties the publisher set: content type, response topic, user properties.
    var contentType: String?
    var responseTopic: String?
    var userProperties: [(String, String)]
}
