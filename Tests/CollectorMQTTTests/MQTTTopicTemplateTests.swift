import CollectorMQTT
import CollectorValues
import Testing

@Suite("MQTT topic templates")
struct MQTTTopicTemplateTests {
    @Test func fieldsOfTheRecordFillTheTopic() throws {
        let template = try MQTTTopicTemplate("out/%{site}/%{meta.line}/raw")
        #expect(!template.isFixed)
        let record: DataValue = .object(["site": .string("north"), "meta": .object(["line": .integer(7)])])
        #expect(try template.topic(for: record) == "out/north/7/raw")
    }

    @Test(arguments: [
        (DataValue.object(["n": .integer(1)]), "no field 'site'"),
        (DataValue.object(["site": .null]), "no field 'site'"),
        (DataValue.object(["site": .array([])]), "type array"),
        (DataValue.object(["site": .string("a/+")]), "cannot be part of a topic"),
        (DataValue.object(["site": .string("")]), "cannot be part of a topic"),
    ])
    func aRecordThatCannotMakeTheTopicIsRefusedWithTheField(record: DataValue, message: String) throws {
        let template = try MQTTTopicTemplate("out/%{site}")
        let error = try #require(throws: MQTTTopicError.self) { try template.topic(for: record) }
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test(arguments: ["", "out/%{site", "out/%{}", "out/%{a..b}", "out/#", "out/+/x"])
    func aBadTemplateIsRefused(text: String) {
        #expect(throws: MQTTTopicError.self) { try MQTTTopicTemplate(text) }
    }

    @Test func filtersAreChecked() {
        #expect(MQTTSubscription.problem(filter: "a/#") == nil)
        #expect(MQTTSubscription.problem(filter: "+/b/+") == nil)
        #expect(MQTTSubscription.problem(filter: "a/#/b") != nil)
        #expect(MQTTSubscription.problem(filter: "a/b#") != nil)
        #expect(MQTTSubscription.problem(filter: "a+/b") != nil)
        #expect(MQTTSubscription.problem(filter: "") != nil)
        #expect(MQTTSubscription.problem(filter: "$share/g/a") != nil)
    }

    @Test func urlsAreRead() {
        #expect(MQTTEndpoint(url: "mqtt://127.0.0.1")?.port == 1883)
        #expect(MQTTEndpoint(url: "mqtts://broker.example")?.port == 8883)
        #expect(MQTTEndpoint(url: "mqtts://broker.example")?.tls == true)
        #expect(MQTTEndpoint(url: "mqtt://u:p%40ss@h:1900")?.password == "p@ss")
        #expect(MQTTEndpoint(url: "http://h") == nil)
        #expect(MQTTEndpoint(url: "mqtt://h/path") == nil)
        #expect(MQTTEndpoint(url: "mqtt://") == nil)
    }
}
