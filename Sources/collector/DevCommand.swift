import CollectorKafka
import Dispatch
import Foundation

/// `collector dev kafka`: local stand-ins of services, for trying scripts
/// and for tests. `kafka` starts librdkafka's in-process mock cluster,
/// prints its bootstrap address and runs until SIGINT or SIGTERM.
struct DevCommand {
    let arguments: [String]

    static let help = """
        usage: collector dev kafka [--partitions N] [--topic NAME]... [--brokers N]

        Starts a mock Kafka cluster (librdkafka's, in this process, on 127.0.0.1),
        prints its bootstrap servers on the first line of standard output, and
        runs until interrupted (Ctrl-C or SIGTERM). Data lives in memory only.

        options:
          --partitions N       partitions of each --topic (default 1)
          --topic NAME         create this topic (repeatable; others are created on first use)
          --brokers N          brokers in the cluster (default 1)
        """

    func execute() -> Int32 {
        guard let service = arguments.first else {
            fail("dev: which service? (collector dev kafka)")
            return 2
        }
        if service == "-h" || service == "--help" {
            print(Self.help)
            return 0
        }
        guard service == "kafka" else {
            fail("dev: unknown service '\(service)' (known: kafka)")
            return 2
        }
        var partitions = 1
        var brokers = 1
        var topics: [String] = []
        var rest = arguments.dropFirst()[...]
        while let option = rest.popFirst() {
            switch option {
            case "-h", "--help":
                print(Self.help)
                return 0
            case "--partitions", "--brokers":
                guard let text = rest.popFirst(), let number = Int(text), (1...1000).contains(number) else {
                    fail("dev kafka: \(option) needs a number from 1 to 1000")
                    return 2
                }
                if option == "--partitions" { partitions = number } else { brokers = number }
            case "--topic":
                guard let name = rest.popFirst(), !name.isEmpty else {
                    fail("dev kafka: --topic needs a name")
                    return 2
                }
                topics.append(name)
            default:
                fail("dev kafka: unknown option '\(option)'\n\(Self.help)")
                return 2
            }
        }
        // Blocked before librdkafka starts its threads, which inherit the mask: only sigwait takes them.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        let cluster: KafkaMockCluster
        do {
            cluster = try KafkaMockCluster(brokers: brokers)
            for topic in topics { try cluster.createTopic(topic, partitions: partitions) }
        } catch {
            fail("dev kafka: \(error.message)")
            return 1
        }
        print(cluster.bootstrapServers)
        fflush(nil)
        let created = topics.isEmpty ? "" : ", topics \(topics.joined(separator: ", ")) (\(partitions) partitions each)"
        FileHandle.standardError.write(
            Data("collector dev kafka: a mock cluster at \(cluster.bootstrapServers)\(created); Ctrl-C stops it (its data is lost)\n".utf8))
        var received: Int32 = 0
        sigwait(&blocked, &received)
        withExtendedLifetime(cluster) {}
        return 0
    }

    private func fail(_ message: String) {
        FileHandle.standardError.write(Data("collector \(message)\n".utf8))
    }
}
