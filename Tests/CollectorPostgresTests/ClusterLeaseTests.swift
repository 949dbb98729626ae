import CollectorPostgres
import Collectors
import Foundation
import Testing

/// Cluster mode's leases on the real server, stepped round by round:
/// acquisition with fencing tokens, renewal, expiry and takeover, the even
/// share when a member joins, and release when a pipeline ends.
@Suite("PostgreSQL cluster leases", .serialized, .timeLimit(.minutes(2)))
struct ClusterLeaseTests {
    let sources = ["a", "b", "c", "d"]

    /// A member of cluster `name` that runs rounds only when told. The leases are
    /// seconds long, so that a loaded machine's pauses between steps do not expire them.
    private func member(_ member: String, cluster name: String, lease: Duration) throws -> PostgresCluster {
        try PostgresCluster(
            options: ClusterOptions(url: try PostgresTestEnvironment.url(), name: name, lease: lease, member: member),
            automatic: false)
    }

    private func uniqueCluster() -> String { PostgresTestEnvironment.uniqueTable("cluster") }

    @Test func aLoneMemberWinsEverySourceWithTokenOneAndKeepsItOnRenewal() async throws {
        let name = uniqueCluster()
        // Long enough that no stall of a loaded machine between the two rounds expires it.
        let one = try member("one", cluster: name, lease: .seconds(120))
        defer { Task { await one.leave() } }
        try await one.register(pipeline: "p", sources: sources, settle: .zero)
        await one.round()
        #expect(await one.heldTokens == ["p/a": 1, "p/b": 1, "p/c": 1, "p/d": 1])
        let lease = try #require(await one.acquire(pipeline: "p", source: "a"))
        let before = lease.deadline
        try await Task.sleep(for: .milliseconds(50))
        await one.round()
        // Renewed: same token, a later deadline, still held and still storable.
        #expect(await one.heldTokens["p/a"] == 1)
        #expect(lease.deadline > before)
        #expect(lease.isHeld)
        #expect(await one.fenced(pipeline: "p", sources: ["a", "b"]).isEmpty)
        // A source no lease was registered for is never fenced.
        #expect(await one.fenced(pipeline: "p", sources: ["unleased"]).isEmpty)
    }

    @Test func expiredLeasesAreTakenOverWithANewTokenAndTheOldHolderIsFencedOff() async throws {
        let name = uniqueCluster()
        let old = try member("old", cluster: name, lease: .seconds(2))
        let new = try member("new", cluster: name, lease: .seconds(2))
        defer { Task { await old.leave(); await new.leave() } }
        try await old.register(pipeline: "p", sources: sources, settle: .zero)
        let renewed = ContinuousClock.now
        await old.round()
        let held = try #require(await old.acquire(pipeline: "p", source: "b"))
        #expect(held.token == 1)
        try await new.register(pipeline: "p", sources: sources, settle: .zero)
        await new.round()
        // The old member is live and holds every lease: nothing is free (unless a
        // stall of the machine let a whole lease pass since its round: then the
        // takeover below is what is checked).
        if ContinuousClock.now - renewed < .seconds(2) { #expect(await new.heldTokens.isEmpty) }
        // The old member stops renewing (paused, dead); past one lease its leases are free.
        try await Task.sleep(for: .milliseconds(2300))
        #expect(!held.isHeld)
        await new.round()
        #expect(await new.heldTokens == ["p/a": 2, "p/b": 2, "p/c": 2, "p/d": 2])
        // The old member wakes up: nothing of it may be stored.
        let refused = await old.fenced(pipeline: "p", sources: ["a", "b"])
        #expect(Set(refused.keys) == ["a", "b"])
        await old.round()
        #expect(await old.heldTokens.isEmpty)
        let status = try ClusterStatus.report(url: try PostgresTestEnvironment.url(), cluster: name)
        // The lease row of p/b names its new holder and the new token (its expiry may
        // have passed by now on a loaded machine: this test renews by hand).
        let row = status.split(separator: "\n").first { $0.contains("p/b") }.map(String.init) ?? ""
        #expect(row.split(separator: " ").contains("new") && row.split(separator: " ").contains("2"), "\(status)")
        #expect(status.contains("lag: "))
    }

    @Test func theServerFencesATokenThatWasSupersededEvenWhileTheLocalDeadlineHolds() async throws {
        let name = uniqueCluster()
        let one = try member("one", cluster: name, lease: .seconds(30))
        defer { Task { await one.leave() } }
        try await one.register(pipeline: "p", sources: ["a"], settle: .zero)
        await one.round()
        #expect(await one.heldTokens["p/a"] == 1)
        // Another process took the lease behind this one's back (its token moved on).
        try bumpToken(cluster: name, key: "p/a", holder: "intruder")
        let refused = await one.fenced(pipeline: "p", sources: ["a"])
        #expect(refused["a"]?.contains("no longer held") == true)
        await one.round()
        #expect(await one.heldTokens.isEmpty)
    }

    @Test func aMemberThatJoinsGetsAnEvenShareHandedOver() async throws {
        let name = uniqueCluster()
        let first = try member("first", cluster: name, lease: .seconds(9))
        let second = try member("second", cluster: name, lease: .seconds(9))
        defer { Task { await first.leave(); await second.leave() } }
        try await first.register(pipeline: "p", sources: sources, settle: .zero)
        await first.round()
        #expect(await first.heldTokens.count == 4)
        var leases: [SourceLease] = []
        for source in sources { leases.append(try #require(await first.acquire(pipeline: "p", source: source))) }
        try await second.register(pipeline: "p", sources: sources, settle: .zero)
        await second.round()
        // Over its share of 2 now, the first member stops two sources...
        await first.round()
        let handedOver = leases.filter { !$0.isHeld }
        #expect(handedOver.count == 2)
        for lease in handedOver { lease.markStopped() }
        // ...and releases them a third of a lease later, having stored what they read.
        try await Task.sleep(for: .milliseconds(3050))
        await first.round()
        #expect(await first.heldTokens.count == 2)
        await second.round()
        #expect(await second.heldTokens.count == 2)
        #expect(Set(await second.heldTokens.values) == [2])
    }

    @Test func aPipelineThatEndsReleasesItsLeasesAtOnce() async throws {
        let name = uniqueCluster()
        let leaving = try member("leaving", cluster: name, lease: .seconds(30))
        let staying = try member("staying", cluster: name, lease: .seconds(30))
        defer { Task { await staying.leave() } }
        try await leaving.register(pipeline: "p", sources: sources, settle: .zero)
        await leaving.round()
        try await staying.register(pipeline: "p", sources: sources, settle: .zero)
        await leaving.finished(pipeline: "p")
        // No waiting for a 30 s lease to expire: the sources are free now.
        await staying.round()
        #expect(await staying.heldTokens.count == 4)
        let status = try ClusterStatus.report(url: try PostgresTestEnvironment.url(), cluster: name)
        #expect(!status.contains("leaving"))
    }

    @Test func aClusterLeaseShorterThanItsRoundsIsRefused() throws {
        #expect(throws: ErrorInfo.self) {
            try PostgresCluster(options: ClusterOptions(url: "postgresql://127.0.0.1/x", name: "c", lease: .milliseconds(100)))
        }
    }

    /// Moves a lease to another holder with the next token, as a takeover would.
    private func bumpToken(cluster: String, key: String, holder: String) throws {
        let url = try PostgresTestEnvironment.url()
        try run([
            "psql", url, "-v", "ON_ERROR_STOP=1", "-qc",
            "UPDATE collector_cluster_leases SET holder = '\(holder)', token = token + 1 WHERE cluster = '\(cluster)' AND source_key = '\(key)'",
        ])
    }
}
