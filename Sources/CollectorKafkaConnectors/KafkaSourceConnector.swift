import CollectorCoreConnectors
import CollectorKafka
import CollectorScripting
import Collectors

extension KafkaConnectors {
    /// `source.kafka`: a consumer-group member reading Kafka topics.
    public static var kafka: ConnectorDescription {
        .source(
            "kafka",
            summary: "Kafka topics read as a consumer-group member (librdkafka); offsets committed once the records before them are stored (see [sources/kafka.md](sources/kafka.md)).",
            options: KafkaClientOptionKit.options + [
                ConnectorOption("topics", .any, required: true, annotation: "string|string[]", "the topics to read (a name or a list)"),
                ConnectorOption("group", .string, required: true, "the consumer group (`group.id`); members share the partitions"),
                ConnectorOption(
                    "start", .choice(["committed", "earliest", "latest"]), default: "\"committed\"",
                    "where a partition is read from when first assigned in a run: the group's committed offset (else the earliest), or its earliest or latest offset whatever was committed"),
                SourceOptionKit.formatOption(default: "json", "how a message's value is decoded"),
                ConnectorOption(
                    "revoke_wait", .duration(), default: "\"10s\"",
                    "how long a rebalance, and a stop, wait for the records read from a partition to be stored before letting it go"),
                ConnectorOption("buffer", .integer(1...1_000_000), default: "1000", "messages read ahead of the pipeline, at most"),
                ConnectorOption(
                    "stop_at_end", .boolean, default: "false (true with --once)",
                    "end once every partition assigned is read to its end, instead of waiting for more"),
            ] + SourceOptionKit.csvOptions + [SourceOptionKit.splitOption]
        ) { options in
            let client = try KafkaClientOptionKit.read(options)
            let topics: [String]
            switch try options.data("topics") {
            case .string(let name)?: topics = [name]
            case .array(let list)?:
                topics = try list.map { entry in
                    guard case .string(let name) = entry, !name.isEmpty else { throw options.problem("option 'topics' must be a topic name or a list of them") }
                    return name
                }
            default: throw options.problem("option 'topics' must be a topic name or a list of them")
            }
            guard !topics.isEmpty else { throw options.problem("option 'topics' is empty") }
            let group = try options.requiredString("group")
            guard !group.isEmpty else { throw options.problem("option 'group' is empty") }
            let format = try SourceOptionKit.format(options, default: .json, streamed: false, splits: true)
            var settings = KafkaSource.Options(client: client, topics: topics, group: group, format: format)
            if let start = try options.choice("start", ["committed", "earliest", "latest"]) { settings.start = start }
            if let wait = try options.duration("revoke_wait") {
                settings.revokeWait = wait
                settings.closeWait = wait
            }
            if let buffer = try options.integer("buffer") { settings.bufferLimit = buffer }
            settings.stopAtEnd = try options.boolean("stop_at_end") ?? options.collectsOnce
            try KafkaClientOptionKit.check(options, settings.librdkafkaProperties)
            let id = options.id
            return ConnectorInstance(
                KafkaSource(id: id, options: settings),
                description: "source.kafka(\(id), \(topics.joined(separator: ",")), group \(group))")
        }
    }
}
