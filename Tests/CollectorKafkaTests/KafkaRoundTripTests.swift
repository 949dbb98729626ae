@testable import CollectorKafka
import CollectorValues
import Collectors
import Foundation
import Testing

/// storage.kafka and source.kafka against librdkafka's mock cluster (the
/// real Kafka protocol on 127.0.0.1, in this process).
@Suite("Kafka source and backend", .serialized)
struct KafkaRoundTripTests {
    @Test func whatTheBackendProducesTheSourceReadsOnceWithItsPlaceInTheMetadata() async throws {
        let kafka = try KafkaFixture(partitions: 3)
        try await kafka.produce(300)
        let source = kafka.source(group: "g-\(UUID())")
        try await source.connect()
        let items = try await collect(source, count: 300)
        await source.disconnect()
        #expect(Set(items.compactMap(number)) == Set(0..<300))
        #expect(Set(items.compactMap(\.key)).count == 300, "every message has a key of its own")
        let first = try #require(items.first)
        #expect(first.metadata["topic"] == .string(kafka.topic))
        guard case .integer(let partition)? = first.metadata["partition"], case .integer(let offset)? = first.metadata["offset"] else {
            Issue.record("no partition or offset: \(first.metadata)")
            return
        }
        #expect(first.key == "\(kafka.topic)/\(partition)/\(offset)")
        guard case .string(let key)? = first.metadata["key"] else {
            Issue.record("no key: \(first.metadata)")
            return
        }
        #expect(key.hasPrefix("key-"), "the record's key field is the message key")
        if case .integer(let stamp)? = first.metadata["timestamp"] {
            #expect(stamp > 1_600_000_000_000)
        } else {
            Issue.record("no timestamp: \(first.metadata)")
        }
        #expect(first.metadata["headers"] == .object([:]))
    }

    @Test func aRecordWithTheSameKeyGoesToTheSamePartition() async throws {
        let kafka = try KafkaFixture(partitions: 6)
        try await kafka.produce(140)
        let source = kafka.source(group: "g-\(UUID())")
        try await source.connect()
        let items = try await collect(source, count: 140)
        await source.disconnect()
        var partitions: [String: Set<DataValue>] = [:]
        for item in items {
            guard case .string(let key)? = item.metadata["key"], let partition = item.metadata["partition"] else { continue }
            partitions[key, default: []].insert(partition)
        }
        #expect(partitions.count == 7)
        #expect(partitions.values.allSatisfy { $0.count == 1 }, "\(partitions)")
    }

    /// In a pipeline, only acknowledged offsets are committed: a new member
    /// of the group starts after the last acknowledged message, not the last read.
    @Test func onlyAcknowledgedOffsetsAreCommitted() async throws {
        let kafka = try KafkaFixture(partitions: 1)
        try await kafka.produce(20)
        let group = "g-\(UUID())"
        let first = kafka.source(group: group, start: "committed", wait: .milliseconds(200))
        await first.useCommittedCheckpoints()
        try await first.connect()
        let read = try await collect(first, count: 12)
        #expect(read.compactMap(number) == Array(0..<12))
        // The pipeline acknowledged the first 5 only.
        await first.commit(try #require(read[4].checkpoint), force: true)
        await first.disconnect()

        let second = kafka.source(group: group, start: "committed")
        try await second.connect()
        let again = try await collect(second, count: 15)
        await second.disconnect()
        #expect(again.compactMap(number) == Array(5..<20), "read again from the first unacknowledged message")
        #expect(again.first?.key == read[5].key, "the same place, so the same record ids")
    }

    /// Three members of one group over six partitions: every message is
    /// read, and by one member (its key, hence its record id, once).
    /// Eager (`range,roundrobin`, all partitions revoked and assigned again)
    /// and cooperative (`cooperative-sticky`, only those that move) rebalancing.
    @Test(arguments: ["range,roundrobin", "cooperative-sticky"])
    func threeMembersOfAGroupShareSixPartitions(strategy: String) async throws {
        let kafka = try KafkaFixture(partitions: 6)
        try await kafka.produce(600)
        let group = "g-\(UUID())"
        var client = kafka.groupClient
        client.properties["partition.assignment.strategy"] = strategy
        let members = (1...3).map { _ in
            KafkaSource(
                id: "kafka-1", options: .init(client: client, topics: [kafka.topic], group: group, revokeWait: .seconds(5)))
        }
        for member in members { try await member.connect() }
        let seen = Locked([String: Int]())
        // Each member reads until the group has read everything (or the bound
        // passes); then the reads still waiting are cancelled. (Not a read raced
        // against a timer: a read cancelled after it took a message would drop
        // it, and a member that goes on holding the partition never reads it again.)
        let perMember = await withTaskGroup(of: [CollectedData].self) { tasks in
            for member in members {
                tasks.addTask {
                    var items: [CollectedData] = []
                    while !Task.isCancelled {
                        do {
                            let item = try await member.collect()
                            items.append(item)
                            seen.withLock { $0[item.key ?? "", default: 0] += 1 }
                        } catch {
                            if Task.isCancelled { break }
                            try? await Task.sleep(for: .milliseconds(50))  // a rebalance under way: read again
                        }
                    }
                    return items
                }
            }
            let end = ContinuousClock.now.advanced(by: .seconds(60))
            while seen.withLock({ $0.count }) < 600, ContinuousClock.now < end {
                try? await Task.sleep(for: .milliseconds(100))
            }
            tasks.cancelAll()
            var all: [[CollectedData]] = []
            for await part in tasks { all.append(part) }
            return all
        }
        // The group settles with every partition assigned, to more than one member.
        var assignments: [Set<TopicPartition>] = []
        let settled = ContinuousClock.now.advanced(by: .seconds(60))
        repeat {
            assignments = []
            for member in members { assignments.append(await member.assignment) }
            if assignments.filter({ !$0.isEmpty }).count >= 2, Set(assignments.flatMap { $0 }).count == 6 { break }
            try await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < settled
        for member in members { await member.disconnect() }
        #expect(assignments.filter { !$0.isEmpty }.count >= 2, "\(assignments)")
        #expect(assignments.reduce(0) { $0 + $1.count } == 6, "each partition to one member: \(assignments)")
        let items = perMember.flatMap { $0 }
        #expect(Set(items.compactMap(number)) == Set(0..<600))
        #expect(seen.withLock { $0.count } == 600)
        // At least once: a message read again after a rebalance has the same key, hence the same record id.
        #expect(Set(items.compactMap(\.key)).count == 600, "\(items.count) messages read for 600")
    }

    @Test func aBrokerDownAndBackLosesNothing() async throws {
        let kafka = try KafkaFixture(partitions: 2)
        try await kafka.produce(50)
        let source = kafka.source(group: "g-\(UUID())")
        try await source.connect()
        let before = try await collect(source, count: 50)
        kafka.cluster.setBroker(1, up: false)
        // The backend's batch fails retryable while the broker is down.
        let backend = kafka.storage(timeout: .seconds(1))
        try await backend.connect()
        do {
            _ = try await backend.store(records: [Record(.object(["n": .integer(999)]), sourceID: "t", sequence: 1)])
            Issue.record("stored with the broker down")
        } catch let error as ErrorInfo {
            #expect(error.isRetryable, "\(error)")
        }
        await backend.disconnect()
        kafka.cluster.setBroker(1, up: true)
        try await kafka.produce(50, from: 50)
        // At least once: what was read but not committed before the outage may come again; every number must come.
        var seen = Set(before.compactMap(number))
        let deadline = ContinuousClock.now + .seconds(60)
        while !seen.isSuperset(of: 0..<100), ContinuousClock.now < deadline {
            seen.formUnion(try await collect(source, count: 1).compactMap(number))
        }
        await source.disconnect()
        #expect(seen == Set(0..<100))
    }

    @Test func aRecordTheBrokerRefusesFailsAloneAsAValidationError() async throws {
        let kafka = try KafkaFixture()
        let backend = KafkaStorage(
            id: "out",
            options: KafkaStorage.Options(
                client: KafkaClientOptions(brokers: [kafka.cluster.bootstrapServers], properties: ["message.max.bytes": "2000"]),
                topic: kafka.topic))
        try await backend.connect()
        let small = Record(.object(["n": .integer(1)]), sourceID: "t", sequence: 1)
        let large = Record(.object(["n": .integer(2), "pad": .string(String(repeating: "x", count: 5000))]), sourceID: "t", sequence: 2)
        do {
            _ = try await backend.store(records: [small, large])
            Issue.record("a record over the size limit was stored")
        } catch let error as ErrorInfo {
            #expect(error.type == .validation && !error.isRetryable, "\(error)")
        }
        // The storage manager then stores one by one: the small one was delivered already, and is not sent twice.
        let again = try await backend.store(records: [small])
        #expect(again.count == 1 && again.skipped == 0, "stored by the failed attempt, counted now")
        await backend.disconnect()
        let source = kafka.source(group: "g-\(UUID())")
        try await source.connect()
        let items = try await collect(source, count: 1)
        await source.disconnect()
        #expect(items.compactMap(number) == [1])
    }

    @Test func aWaitingCollectEndsWhenItsTaskIsCancelled() async throws {
        let kafka = try KafkaFixture()
        let source = kafka.source(group: "g-\(UUID())")
        try await source.connect()
        let task = Task { try await source.collect() }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        await source.disconnect()
    }

    @Test func startLatestSkipsWhatIsThereAndStopAtEndEndsTheStream() async throws {
        let kafka = try KafkaFixture(partitions: 2)
        try await kafka.produce(30)
        var options = KafkaSource.Options(client: kafka.groupClient, topics: [kafka.topic], group: "g-\(UUID())", start: "latest")
        options.stopAtEnd = true
        let latest = KafkaSource(id: "kafka-1", options: options)
        try await latest.connect()
        var count = 0
        for try await _ in latest.stream() { count += 1 }
        await latest.disconnect()
        #expect(count == 0, "nothing after the end")

        options.start = "earliest"
        options.group = "g-\(UUID())"
        let earliest = KafkaSource(id: "kafka-1", options: options)
        try await earliest.connect()
        var numbers: [Int] = []
        for try await item in earliest.stream() { numbers += number(item).map { [$0] } ?? [] }
        await earliest.disconnect()
        #expect(Set(numbers) == Set(0..<30) && numbers.count == 30)
    }

    /// A small read-ahead buffer: the consumer's thread waits while it is full and goes on as it is taken.
    @Test func aFullBufferHoldsTheConsumerBackWithoutLosingMessages() async throws {
        let kafka = try KafkaFixture(partitions: 3)
        try await kafka.produce(400)
        let source = KafkaSource(
            id: "kafka-1", options: .init(client: kafka.groupClient, topics: [kafka.topic], group: "g-\(UUID())", bufferLimit: 4))
        try await source.connect()
        var items: [CollectedData] = []
        for _ in 0..<4 {
            items += try await collect(source, count: 100)
            // The reader pauses; the buffer fills up meanwhile.
            try await Task.sleep(for: .milliseconds(200))
        }
        await source.disconnect()
        #expect(items.compactMap(number).sorted() == Array(0..<400))
    }

    /// The security options name properties librdkafka knows, and `properties` come last (they win).
    @Test func securityOptionsAreLibrdkafkaProperties() throws {
        let options = KafkaClientOptions(
            brokers: ["a:9092", "b:9092"], securityProtocol: "sasl_ssl", saslMechanism: "SCRAM-SHA-512", username: "u",
            password: "p", caFile: "/etc/ssl/ca.pem", certificateFile: "/etc/ssl/c.pem", keyFile: "/etc/ssl/k.pem",
            properties: ["sasl.mechanism": "PLAIN"])
        let pairs = options.pairs()
        #expect(pairs.first! == ("bootstrap.servers", "a:9092,b:9092"))
        #expect(pairs.contains { $0 == ("security.protocol", "sasl_ssl") } && pairs.contains { $0 == ("sasl.username", "u") })
        #expect(pairs.last! == ("sasl.mechanism", "PLAIN"))
        // librdkafka refuses unknown names and bad values; the CA file is only read when connecting.
        try KafkaProperties.check(pairs.filter { !$0.0.hasSuffix(".location") })
        var source = KafkaSource.Options(client: options, topics: ["t"], group: "g")
        source.stopAtEnd = true
        try KafkaProperties.check(source.librdkafkaProperties.filter { !$0.0.hasSuffix(".location") })
        #expect(source.librdkafkaProperties.last! == ("enable.partition.eof", "true"))
        try KafkaProperties.check(KafkaStorage.Options(client: KafkaClientOptions(brokers: ["a:1"]), topic: "t", compression: "zstd").librdkafkaProperties)
    }

    @Test func anUnknownPropertyIsAConfigurationErrorNamingIt() {
        #expect {
            try KafkaProperties.check([("bootstrap.servers", "127.0.0.1:1"), ("no.such.property", "1")])
        } throws: { error in
            (error as? ErrorInfo)?.message.contains("unknown librdkafka property 'no.such.property'") == true
        }
    }
}
