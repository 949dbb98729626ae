import CollectorMQTT
import CollectorScripting
import Collectors

extension MQTTConnectors {
    /// `storage.mqtt`: records published to an MQTT broker.
    public static var mqttStorage: ConnectorDescription {
        .storage(
            "mqtt",
            summary: "Records published to an MQTT broker as JSON, one message each, to a topic that may take the record's fields (`out/%{site}`); a batch is stored once every publish is acknowledged; never queried (see [storage/mqtt.md](storage/mqtt.md)).",
            options: MQTTConnectorOptions.common(clientIDDoc: "the client id (default: a random one)") + [
                ConnectorOption("topic", .string, required: true, "the topic; `%{field}` takes the record's field (`%{a.b}` a nested one)"),
                MQTTConnectorOptions.qosOption,
                ConnectorOption("retain", .boolean, default: "false", "publish retained messages (the broker keeps the last per topic)"),
                ConnectorOption("timeout", .duration(atLeast: .milliseconds(1)), default: "\"30s\"", "the longest wait for a batch's acknowledgements"),
            ]
        ) { options in
            let (endpoint, client) = try MQTTConnectorOptions.read(options)
            let topic: MQTTTopicTemplate
            do {
                topic = try MQTTTopicTemplate(try options.requiredString("topic"))
            } catch let error as MQTTTopicError {
                throw options.problem("option 'topic': \(error.message)")
            }
            var settings = MQTTStorage.Options(client: client, topic: topic)
            if let qos = try options.integer("qos") { settings.qos = qos }
            if let retain = try options.boolean("retain") { settings.retain = retain }
            if let timeout = try options.duration("timeout") { settings.timeout = timeout }
            let id = options.id
            return ConnectorInstance(
                MQTTStorage(id: id, endpoint: endpoint, options: settings),
                description: MQTTConnectorOptions.summary("storage.mqtt", id, endpoint, "\(topic.text), qos \(settings.qos)"))
        }
    }
}
