import CollectorPostgres
import Collectors
import Foundation

/// `collector cluster status URL [--name NAME]`: the members, leases and lag
/// of the clusters (`collector run --cluster URL`) kept in a PostgreSQL database.
struct ClusterCommand {
    let arguments: [String]

    static let help = """
        usage: collector cluster status URL [--name NAME]

        Shows the clusters that collectors run with --cluster URL (or a
        cluster {} call) keep in that PostgreSQL database:
          members  name, host, pid, last heartbeat, live or silent (no heartbeat
                   for a lease), and how many leases each holds
          leases   one per source (PIPELINE/SOURCE): holder, fencing token
                   (grows with every acquisition), when the lease expires and
                   when it was last renewed
          lag      how many sources no live member holds (they are not being
                   collected), and the oldest renewal
        --name NAME limits the report to one cluster.

        exit status: 0 shown, 1 the database could not be read, 2 usage error
        """

    func execute() -> Int32 {
        var rest = arguments
        if rest.contains("-h") || rest.contains("--help") {
            print(Self.help)
            return 0
        }
        guard rest.first == "status" else {
            fail("cluster: expected `status URL`, got \(rest.first.map { "'\($0)'" } ?? "nothing") (collector cluster --help for help)")
            return 2
        }
        rest.removeFirst()
        var name: String?
        var url: String?
        while !rest.isEmpty {
            let argument = rest.removeFirst()
            if argument == "--name" {
                guard !rest.isEmpty else {
                    fail("cluster status: --name needs a value (collector cluster --help for help)")
                    return 2
                }
                name = rest.removeFirst()
            } else if url == nil, !argument.hasPrefix("-") {
                url = argument
            } else {
                fail("cluster status: unexpected argument '\(argument)' (collector cluster --help for help)")
                return 2
            }
        }
        guard let url else {
            fail("cluster status: missing URL (collector cluster --help for help)")
            return 2
        }
        do {
            print(try ClusterStatus.report(url: url, cluster: name))
            return 0
        } catch {
            fail("cluster status: \(error.message)")
            return error.type == .configuration ? 2 : 1
        }
    }
}
