import CollectorPostgres
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

/// Where the PostgreSQL tests find their server.
///
/// `scripts/test.sh` starts a throwaway cluster (`scripts/postgres-test-cluster.sh`)
/// and exports `COLLECTOR_TEST_POSTGRES_URL`. Without it the tests FAIL, saying
/// so, unless `COLLECTOR_TEST_POSTGRES_OPTOUT=1` is set: an explicit opt-out
/// that skips them (for a machine without PostgreSQL; never in CI).
enum PostgresTestEnvironment {
    static let environment = ProcessInfo.processInfo.environment
    static let optedOut = environment["COLLECTOR_TEST_POSTGRES_OPTOUT"] == "1"

    static func url() throws -> String {
        try #require(
            environment["COLLECTOR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 },
            """
            COLLECTOR_TEST_POSTGRES_URL is not set: run scripts/test.sh, or scripts/postgres-test-cluster.sh start \
            and export the line of .build/postgres-test.env (COLLECTOR_TEST_POSTGRES_OPTOUT=1 skips these tests)
            """)
    }

    /// A table name no other test uses.
    static func uniqueTable(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The package's root folder (for scripts).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}

/// A throwaway cluster of a test's own (`scripts/postgres-test-cluster.sh start NAME`),
/// for tests that crash the server, so the other tests keep theirs.
struct OwnCluster {
    let name: String
    let url: String
    private let script: String

    init(_ prefix: String) throws {
        _ = try PostgresTestEnvironment.url()  // fails clearly when PostgreSQL is not set up at all
        script = PostgresTestEnvironment.packageRoot.appendingPathComponent("scripts/postgres-test-cluster.sh").path
        name = "\(prefix)\(UUID().uuidString.prefix(6).lowercased())"
        try run([script, "start", name])
        let envFile = PostgresTestEnvironment.packageRoot.appendingPathComponent(".build/postgres-test-\(name).env")
        let settings = try String(contentsOf: envFile, encoding: .utf8)
        url = try #require(
            settings.split(separator: "\n").first { $0.hasPrefix("COLLECTOR_TEST_POSTGRES_URL=") }
                .map { String($0.dropFirst("COLLECTOR_TEST_POSTGRES_URL=".count)) })
    }

    /// `pg_ctl stop -m immediate`: a crash.
    func kill() throws { try run([script, "kill", name]) }
    func resume() throws { try run([script, "resume", name]) }
    func stop() { _ = try? run([script, "stop", name]) }
}

/// The password of a `postgresql://user:password@host...` URL.
func password(of url: String) throws -> String {
    let components = try #require(URLComponents(string: url))
    return try #require(components.password)
}

/// Runs a program, returning its standard output; throws when it fails.
///
/// `posix_spawn` and `waitpid`, not Foundation's `Process`: after
/// `pg_ctl start` (which leaves a daemon behind) `Process.waitUntilExit()`
/// was seen never to notice its child's exit on Linux. Output goes through
/// temporary files, since the daemon would inherit a pipe's write end.
@discardableResult
func run(_ arguments: [String]) throws -> String {
    let base = NSTemporaryDirectory() + "collector-run-" + UUID().uuidString
    let (outPath, errPath) = (base + ".out", base + ".err")
    defer {
        unlink(outPath)
        unlink(errPath)
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
    guard spawned == 0 else {
        throw CommandError(message: "cannot start \(arguments.joined(separator: " ")): \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let exited = status & 0x7F == 0
    let code = (status >> 8) & 0xFF
    guard exited && code == 0 else {
        let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        throw CommandError(
            message: "\(arguments.joined(separator: " ")) \(exited ? "exited with \(code)" : "was killed by signal \(status & 0x7F)"): \(errors)")
    }
    return output
}

struct CommandError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// psql against a URL: one value (first column of the first row), trimmed.
func psqlValue(_ url: String, _ sql: String) throws -> String {
    try run(["psql", url, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
func unusedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &address) { pointer in
        try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            guard bind(fd, raw, length) == 0, getsockname(fd, raw, &length) == 0 else {
                throw CommandError(message: "cannot bind a socket")
            }
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

let benchRecords: [DataValue] = [
    ["sensor_id": "s-0593", "value": 69.31, "unit": "F", "ts": 1_764_288_000_009, "site": "plant-8", "tags": ["line": "c", "shift": 1], "severity": "normal"],
    ["sensor_id": "s-0001", "value": 95.5, "unit": "RH", "ts": 1_764_288_000_010, "tags": [:], "severity": "high"],
    ["sensor_id": "s-0002", "value": 12, "unit": "F", "ts": 1_764_288_000_011, "site": "plant-1", "severity": "normal"],
]

let readingsColumns: [Column] = [
    Column("sensor_id", .text, nullable: false),
    Column("value", .real, nullable: false),
    Column("unit", .text),
    Column("ts", .integer, nullable: false),
    Column("site", .text),
    Column("severity", .text, nullable: false),
    Column("tags", .json),
]
