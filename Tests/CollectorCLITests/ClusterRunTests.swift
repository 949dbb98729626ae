import Foundation
import Testing

/// `collector run --cluster`: several collector processes share the
/// sources of one script through PostgreSQL. Three members share 30 polled
/// sources of a fixture API that counts pollers per source; one is killed
/// (kill -9), one paused past its lease (SIGSTOP, then SIGCONT), a fourth
/// joins; then every member is stopped with SIGTERM.
@Suite("collector run --cluster", .serialized, .timeLimit(.minutes(4)))
struct ClusterRunTests {
    static let database = ProcessInfo.processInfo.environment["COLLECTOR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let optedOut = ProcessInfo.processInfo.environment["COLLECTOR_TEST_POSTGRES_OPTOUT"] == "1"
    static let lease = 2.0

    @Test(.enabled(if: !optedOut)) func membersShareSourcesWithoutOverlapThroughKillPauseAndJoin() throws {
        let url = try #require(Self.database, "COLLECTOR_TEST_POSTGRES_URL is not set: run scripts/test.sh, or scripts/postgres-test-cluster.sh start and export the line of .build/postgres-test.env (COLLECTOR_TEST_POSTGRES_OPTOUT=1 skips these tests)")
        let server = try LoopbackFixture("cluster_poll_fixture.py")
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let table = "cluster_run_\(suffix)"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(suffix)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("shared.lua")
        try """
            cluster { lease = "\(Int(Self.lease * 1000))ms", name = "\(table)" }
            local sources = {}
            for i = 1, 30 do
              sources[i] = source.http {
                id = "s" .. i, url = "\(server.base)/s/" .. i, every = "300ms", jitter = 0,
                conditional = false, headers = { ["X-Member"] = env("MEMBER") },
              }
            end
            pipeline "poll" {
              from = sources,
              to = storage.postgres { url = env("DB_URL"), table = "\(table)" },
              dead_letter = storage.jsonl { path = env("DEAD") },
              batch_size = 20,
            }
            """.write(to: script, atomically: true, encoding: .utf8)

        var members: [String: Member] = [:]
        func start(_ name: String) throws {
            members[name] = try Member(
                name: name, arguments: ["run", "--quiet", "--cluster", url, script.path], directory: directory,
                environment: ["MEMBER": name, "DB_URL": url, "DEAD": directory.appendingPathComponent("\(name).dead.jsonl").path])
        }
        defer { for member in members.values { member.kill(SIGKILL) } }
        for name in ["m1", "m2", "m3"] { try start(name) }

        // All 30 sources collected, each by one member.
        do {
            try waitUntil("all 30 sources are polled") { try server.pollers(since: 1.0).count == 30 }
            try waitUntil("each of the 3 members holds a share") { Set(try server.pollers(since: 1.0).values).count == 3 }
        } catch {
            // Say why: what each member wrote, and which member polls what.
            for name in ["m1", "m2", "m3"] {
                let log = (try? String(contentsOf: directory.appendingPathComponent("\(name).err"), encoding: .utf8)) ?? ""
                Issue.record("\(name) wrote: \(log.suffix(2000))")
            }
            Issue.record("pollers: \((try? server.pollers(since: 1.0)) ?? [:])")
            throw error
        }

        // kill -9: its sources go to the others within two lease periods.
        let m1Sources = Set(try server.pollers(since: 1.0).filter { $0.value == "m1" }.keys)
        let killedAt = Date().timeIntervalSince1970
        members["m1"]!.kill(SIGKILL)
        try waitUntil("the killed member's sources are taken over") {
            let now = try server.pollers(since: 1.0)
            return m1Sources.allSatisfy { now[$0] != nil && now[$0] != "m1" }
        }
        let log = try server.log()
        for source in m1Sources {
            let firstAfter = log.filter { $0.source == source && $0.member != "m1" && $0.at > killedAt }.map(\.at).min()
            let lastBefore = log.filter { $0.source == source && $0.member == "m1" }.map(\.at).max() ?? killedAt
            let gap = try #require(firstAfter) - lastBefore
            // Two lease periods, plus one poll interval for the first poll after the takeover.
            #expect(gap <= 2 * Self.lease + 0.3 + 0.5, "source \(source) was taken over after \(gap)s")
        }

        // SIGSTOP past the lease, then SIGCONT: the paused member stops collecting what it lost.
        members["m2"]!.kill(SIGSTOP)
        Thread.sleep(forTimeInterval: 2 * Self.lease + 1)
        try waitUntil("the survivor holds every source") { Set(try server.pollers(since: 1.0).values) == ["m3"] }
        members["m2"]!.kill(SIGCONT)
        // A fourth member joins and gets a share (the paused one comes back and may get one too).
        try start("m4")
        try waitUntil("the new member gets a share") { try server.pollers(since: 1.0).values.contains("m4") }
        Thread.sleep(forTimeInterval: Self.lease)

        // SIGTERM: each drains what it read and releases its leases at once.
        for name in ["m2", "m3", "m4"] { members[name]!.kill(SIGTERM) }
        var outcomes: [String: Member.Outcome] = [:]
        for name in ["m2", "m3", "m4"] { outcomes[name] = try members[name]!.wait(seconds: 60) }
        for name in ["m3", "m4"] {
            #expect(outcomes[name]?.status == 0, "\(name): \(outcomes[name]?.stderr ?? "")")
        }
        // The member that was paused may have had records in flight: they are fenced off, not stored.
        let deadFor = { (name: String) in
            (try? String(contentsOf: directory.appendingPathComponent("\(name).dead.jsonl"), encoding: .utf8)) ?? ""
        }
        if let paused = outcomes["m2"], paused.status != 0 {
            #expect(paused.status == 1 && deadFor("m2").contains("no longer holds the lease"), "\(paused.stderr)")
        }

        // No source was polled by two members at once.
        let stats = try server.stats()
        #expect(stats.maxInFlight == 1)
        #expect(stats.interleaved == 0)

        // Every record served to a member that was not killed is stored once, or dead-lettered as fenced off.
        let stored = try psql(url, "SELECT data->>'rid' FROM \(table)").split(separator: "\n").map(String.init)
        #expect(Set(stored).count == stored.count, "a record was stored twice")
        let dead = ["m2", "m3", "m4"].map(deadFor).joined()
        let storedSet = Set(stored)
        let served = try server.log()
        // A poll still in flight when its member stopped collecting the source (SIGTERM, a lease
        // lost or handed over) is abandoned: the next poll of that source is another member's, or
        // comes after a lease's gap. Any other record served and not kept is lost.
        func abandoned(_ index: Int) -> Bool {
            let poll = served[index]
            guard let next = served[(index + 1)...].first(where: { $0.source == poll.source }) else { return true }
            return next.member != poll.member || next.at - poll.at > Self.lease
        }
        let missing = served.indices.filter { index in
            let poll = served[index]
            return poll.member != "m1" && poll.answered && !storedSet.contains(poll.rid) && !dead.contains("\"\(poll.rid)\"") && !abandoned(index)
        }.map { served[$0] }
        #expect(missing.isEmpty, "served but neither stored nor dead-lettered: \(missing.prefix(5).map(\.rid))")
        #expect(storedSet.isSubset(of: Set(served.map(\.rid))))
        // Released on SIGTERM: no member is left, no lease held.
        let held = try psql(url, "SELECT count(*) FROM collector_cluster_leases WHERE cluster = '\(table)' AND expires_at > now()")
        #expect(held.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let status = try Collector.run(["cluster", "status", url, "--name", table])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("lag: 30 of 30 sources not held"), "\(status.stdout)")
        _ = try? psql(url, "DROP TABLE IF EXISTS \(table)")
    }

    @Test func clusterOptionsAreChecked() throws {
        let script = try Collector.script(#"cluster { lease = "10s", nmae = "x" }"#)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("unknown option 'nmae'") && outcome.stderr.contains("did you mean 'name'"), "\(outcome.stderr)")
        let noURL = try Collector.run(["run", try Collector.script(#"cluster { lease = "10s" }"#)])
        #expect(noURL.status == 2)
        #expect(noURL.stderr.contains("cluster: no url"), "\(noURL.stderr)")
        let bad = try Collector.run(["run", "--cluster", "localhost", try Collector.script("")])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--cluster takes a PostgreSQL URL"), "\(bad.stderr)")
        let status = try Collector.run(["cluster", "status"])
        #expect(status.status == 2)
        #expect(status.stderr.contains("missing URL"), "\(status.stderr)")
    }
}

/// Polls `condition` every 100 ms for up to 30 s; fails naming `what`.
private func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
    let end = Date().addingTimeInterval(30)
    while Date() < end {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.1)
    }
    Issue.record("timed out waiting until \(what)")
    throw CancellationError()
}

private func psql(_ url: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// One `collector run` in the background, its output in files, reaped with waitpid.
private final class Member {
    struct Outcome {
        var status: Int32
        var stderr: String
    }

    let name: String
    let pid: pid_t
    private let errPath: String
    private var reaped = false

    init(name: String, arguments: [String], directory: URL, environment: [String: String]) throws {
        self.name = name
        errPath = directory.appendingPathComponent("\(name).err").path
        let outPath = directory.appendingPathComponent("\(name).out").path
        var inherited = ProcessInfo.processInfo.environment
        for variable in Collector.proxyVariables { inherited[variable] = nil }
        let env = inherited.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = [Collector.executable.path] + arguments
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            for pointer in cArgs { free(pointer) }
            for pointer in cEnv { free(pointer) }
        }
        let result = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        self.pid = pid
    }

    func kill(_ signal: Int32) {
        guard !reaped else { return }
        _ = Glibc.kill(pid, signal)
        if signal == SIGKILL {
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            reaped = true
        }
    }

    /// Waits up to `seconds` for the process to exit.
    func wait(seconds: Double) throws -> Outcome {
        let end = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while Date() < end {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                reaped = true
                let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
                return Outcome(status: code, stderr: stderr)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("member \(name) did not exit within \(seconds)s")
        throw CancellationError()
    }
}

private struct Poll {
    var source: Int
    var member: String
    var at: Double
    var rid: String
    /// The fixture wrote its answer without error.
    var answered: Bool
}

private struct PollStats {
    var maxInFlight: Int
    var interleaved: Int
}

extension LoopbackFixture {
    fileprivate func get(_ path: String) throws -> Any {
        // Foundation on Linux reads no http URL; curl does.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-sf", "--noproxy", "*", base + path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data)
    }

    fileprivate func log() throws -> [Poll] {
        let entries = try get("/log") as? [[Any]] ?? []
        return entries.compactMap { entry in
            guard entry.count == 5, let source = entry[0] as? Int, let member = entry[1] as? String,
                let at = entry[2] as? Double, let rid = entry[3] as? String, let answered = entry[4] as? Bool
            else { return nil }
            return Poll(source: source, member: member, at: at, rid: rid, answered: answered)
        }
    }

    /// The member that polled each source last, among sources polled in the last `seconds`.
    fileprivate func pollers(since seconds: Double) throws -> [Int: String] {
        let since = Date().timeIntervalSince1970 - seconds
        var last: [Int: String] = [:]
        for poll in try log() where poll.at >= since { last[poll.source] = poll.member }
        return last
    }

    fileprivate func stats() throws -> PollStats {
        let object = try get("/stats?window=0.6") as? [String: Any] ?? [:]
        return PollStats(maxInFlight: object["max_in_flight"] as? Int ?? -1, interleaved: object["interleaved"] as? Int ?? -1)
    }
}
