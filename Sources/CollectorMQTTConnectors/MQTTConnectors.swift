import CollectorScripting

/// `source.mqtt` and `storage.mqtt`; they link libmosquitto.
public enum MQTTConnectors {
    /// Both, the source first.
    public static var all: [ConnectorDescription] { [mqtt, mqttStorage] }
}
