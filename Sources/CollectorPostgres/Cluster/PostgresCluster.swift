import CollectorStorage
import Collectors
import Foundation

/// Cluster mode over PostgreSQL: the processes that run one script share
/// its sources through two tables (see `ClusterSchema`), with nothing of
/// ours in between.
///
/// Every third of a lease, one round of statements: the member's heartbeat;
/// the renewal of all its leases in one `UPDATE` (a lease it no longer
/// gets back is lost: its source stops at once); the number of live members
/// and of sources, giving each member's share, `ceil(sources / members)`;
/// then leases over the share are handed over (the source stops, what it
/// read is stored, then the lease is released) and, under it, free or
/// expired leases are won (`FOR UPDATE SKIP LOCKED`, the fencing token
/// incremented). A lease also ends by the local clock, so a paused process
/// stops collecting when it wakes up, before it hears from the server.
///
/// libpq blocks, so the connection lives in this actor on a thread of its own.
public actor PostgresCluster: SourceLeases {
    public nonisolated let options: ClusterOptions
    /// The URL without its password.
    public nonisolated let redactedURL: String
    private nonisolated let endpoint: PostgresEndpoint
    private let executor: StorageThreadExecutor
    private let warn: @Sendable (String) -> Void
    private var connection: PostgresConnection?
    /// Registered sources per key (`pipeline/source`).
    private var registered: [String: (pipeline: String, source: String)] = [:]
    /// Leases held now, by key.
    private var held: [String: SourceLease] = [:]
    /// Leases won that no collector has taken yet, by key.
    private var ready: [String: SourceLease] = [:]
    private var waiters: [String: (id: UInt64, continuation: CheckedContinuation<SourceLease?, Never>)] = [:]
    private var nextWaiter: UInt64 = 0
    /// Leases being handed over, with when their source was told to stop.
    private var handingOver: [String: ContinuousClock.Instant] = [:]
    private var ticker: Task<Void, Never>?
    /// Per pipeline, how long what a stopped source read may take to be stored.
    private var settle: [String: Duration] = [:]
    private let automatic: Bool
    private var leaving = false
    /// The last round's census, for status and tests.
    public private(set) var members = 0
    public private(set) var sources = 0

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// - Parameters:
    ///   - warn: where problems with the server go (a round that failed); they are retried.
    ///   - automatic: run a round every third of a lease from the first `register`; `false`:
    ///     only when `round()` is called (for tools and tests that step it).
    public init(
        options: ClusterOptions, automatic: Bool = true, warn: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(ErrorInfo) {
        self.options = options
        self.automatic = automatic
        endpoint = try PostgresEndpoint(options.url)
        redactedURL = endpoint.redacted
        self.warn = warn
        executor = StorageThreadExecutor(name: "cluster")
        guard options.lease >= .milliseconds(300) else {
            throw ErrorInfo(
                .configuration, layer: .collection, operation: "cluster",
                message: "cluster lease \(options.lease) is too short: it is renewed every third of it; give at least 300ms (default 10s)")
        }
    }

    deinit {
        executor.stop()
    }

    /// Leases held now, by key (`pipeline/source`), with their tokens.
    public var heldTokens: [String: Int64] { held.mapValues(\.token) }

    // MARK: - SourceLeases

    public func register(pipeline: String, sources: [String], settle: Duration = .seconds(1)) async throws {
        self.settle[pipeline] = settle
        for name in [pipeline] + sources where name.contains("\0") {
            throw ErrorInfo(.configuration, layer: .collection, operation: "cluster", message: "cluster mode: the name '\(name)' holds a NUL byte")
        }
        let connection = try connected()
        try connection.execute(
            ClusterSchema.register,
            parameters([options.name, ClusterSchema.array(sources.map { _ in pipeline }), ClusterSchema.array(sources)]),
            operation: "cluster")
        for source in sources { registered[Self.key(pipeline, source)] = (pipeline, source) }
        leaving = false
        if automatic, ticker == nil {
            let period = options.lease / 3
            ticker = Task {
                while !Task.isCancelled {
                    self.round()
                    try? await Task.sleep(for: period)
                }
            }
        }
    }

    public func acquire(pipeline: String, source: String) async -> SourceLease? {
        let key = Self.key(pipeline, source)
        if let lease = ready.removeValue(forKey: key) { return lease }
        if leaving || registered[key] == nil { return nil }
        nextWaiter += 1
        let id = nextWaiter
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<SourceLease?, Never>) in
                if Task.isCancelled {
                    continuation.resume(returning: nil)
                } else {
                    waiters[key]?.continuation.resume(returning: nil)
                    waiters[key] = (id, continuation)
                }
            }
        } onCancel: {
            Task { await self.dropWaiter(key, id: id) }
        }
    }

    public func fenced(pipeline: String, sources: Set<String>) async -> [String: String] {
        var refused: [String: String] = [:]
        var check: [String: Int64] = [:]
        let margin = options.lease / 2
        for source in sources {
            let key = Self.key(pipeline, source)
            guard registered[key] != nil else { continue }
            guard let lease = held[key] else {
                refused[source] = "the lease is not held"
                continue
            }
            if lease.mayStore(margin: margin) {
                check[key] = lease.token
            } else {
                refused[source] = "lease token \(lease.token) ran out"
            }
        }
        guard !check.isEmpty else { return refused }
        do {
            let connection = try connected()
            let result = try connection.execute(
                ClusterSchema.confirm,
                parameters([options.name, options.member, String(options.leaseSeconds / 2), ClusterSchema.array(Array(check.keys))]),
                operation: "cluster")
            var confirmed: [String: Int64] = [:]
            for row in 0..<result.rowCount {
                confirmed[result.string(row: row, column: 0)] = Int64(result.string(row: row, column: 1))
            }
            for (key, token) in check where confirmed[key] != token {
                let source = registered[key]?.source ?? key
                refused[source] = confirmed[key].map { "lease token \(token) superseded by \($0)" } ?? "lease token \(token) is no longer held on the server"
            }
        } catch {
            // The server is away: the local deadline alone decides, and it is
            // conservative (the server's expiry is never earlier).
            warn("cluster: cannot confirm leases on the server before storing (\(error)); the local lease deadlines decide")
        }
        return refused
    }

    public func finished(pipeline: String) async {
        let keys = registered.filter { $0.value.pipeline == pipeline }.map(\.key)
        for key in keys {
            registered[key] = nil
            ready[key] = nil
            waiters.removeValue(forKey: key)?.continuation.resume(returning: nil)
            handingOver[key] = nil
        }
        let mine = keys.filter { held[$0] != nil }
        for key in mine { held.removeValue(forKey: key)?.markLost() }
        if !mine.isEmpty {
            do {
                try connected().execute(
                    ClusterSchema.release, parameters([options.name, options.member, ClusterSchema.array(mine)]),
                    operation: "cluster")
            } catch {
                warn("cluster: could not release \(mine.count) leases (\(error)); they expire within \(options.lease)")
            }
        }
        if registered.isEmpty { leave() }
    }

    /// A store on the cluster's database: positions saved there by one
    /// member are read by the member that takes the source over.
    public nonisolated func resumeStore() throws -> (any ResumeStore)? {
        try PostgresResumeStore(url: options.url)
    }

    public nonisolated var resumeScope: String { "cluster/\(options.name)" }

    /// Leaves the cluster: every lease released, the member removed, no more rounds.
    public func leave() {
        leaving = true
        ticker?.cancel()
        ticker = nil
        for (_, waiter) in waiters { waiter.continuation.resume(returning: nil) }
        waiters = [:]
        let keys = Array(held.keys)
        for lease in held.values { lease.markLost() }
        held = [:]
        ready = [:]
        guard let connection else { return }
        if !keys.isEmpty {
            _ = try? connection.execute(
                ClusterSchema.release, parameters([options.name, options.member, ClusterSchema.array(keys)]),
                operation: "cluster")
        }
        _ = try? connection.execute(ClusterSchema.leave, parameters([options.name, options.member]), operation: "cluster")
        connection.close()
        self.connection = nil
    }

    // MARK: - One round

    /// Heartbeat, renewals, census, hand-overs and acquisitions (see the type).
    public func round() {
        let sent = ContinuousClock.now
        // Leases past their local deadline end first, whatever the server says later.
        for (key, lease) in held where !lease.mayStore() {
            lease.markLost()
            held[key] = nil
            ready[key] = nil
            handingOver[key] = nil
        }
        do {
            let connection = try connected()
            try heartbeat(connection)
            try renew(connection, sent: sent)
            guard !leaving else { return }
            let census = try connection.execute(
                ClusterSchema.census, parameters([options.name, String(options.leaseSeconds)]), operation: "cluster")
            members = max(1, Int(census.string(row: 0, column: 0)) ?? 1)
            sources = Int(census.string(row: 0, column: 1)) ?? 0
            let share = (sources + members - 1) / members
            try finishHandOvers(connection)
            let collecting = held.keys.filter { handingOver[$0] == nil }
            if collecting.count > share {
                // Over the share (a member joined): hand the extra leases over.
                for key in collecting.sorted().suffix(collecting.count - share) {
                    handingOver[key] = .now
                    held[key]?.handOver()
                    ready[key] = nil
                }
            } else if held.count < share {
                try acquire(connection, count: share - held.count, sent: sent)
            }
        } catch {
            warn("cluster: round with \(redactedURL) failed: \(error)")
            if let connection, !connection.isAlive, let problem = connection.reset() {
                warn("cluster: reconnecting failed: \(problem)")
            }
        }
    }

    private func heartbeat(_ connection: PostgresConnection) throws(ErrorInfo) {
        try connection.execute(
            ClusterSchema.heartbeat,
            parameters([options.name, options.member, ProcessInfo.processInfo.hostName, String(getpid()), String(options.leaseSeconds)]),
            operation: "cluster")
    }

    private func renew(_ connection: PostgresConnection, sent: ContinuousClock.Instant) throws(ErrorInfo) {
        let result = try connection.execute(
            ClusterSchema.renew, parameters([options.name, options.member, String(options.leaseSeconds)]), operation: "cluster")
        var renewed: [String: Int64] = [:]
        for row in 0..<result.rowCount {
            renewed[result.string(row: row, column: 0)] = Int64(result.string(row: row, column: 1))
        }
        for (key, lease) in held {
            if renewed[key] == lease.token {
                lease.extend(until: sent + options.lease)
            } else {
                lease.markLost()
                held[key] = nil
                ready[key] = nil
                handingOver[key] = nil
            }
        }
    }

    /// Releases the leases whose source has stopped, once what it read has
    /// had its pipeline's batch age and a round to be stored (what has not
    /// been stored by then is fenced off).
    private func finishHandOvers(_ connection: PostgresConnection) throws(ErrorInfo) {
        let period = options.lease / 3
        let due = handingOver.filter { key, since in
            let wait = period + (registered[key].flatMap { settle[$0.pipeline] } ?? .zero)
            return (held[key]?.isStopped ?? true) && ContinuousClock.now - since >= wait
        }.map(\.key)
        guard !due.isEmpty else { return }
        try connection.execute(
            ClusterSchema.release, parameters([options.name, options.member, ClusterSchema.array(due)]), operation: "cluster")
        for key in due {
            held.removeValue(forKey: key)?.markLost()
            handingOver[key] = nil
        }
    }

    private func acquire(_ connection: PostgresConnection, count: Int, sent: ContinuousClock.Instant) throws(ErrorInfo) {
        let wanted = registered.keys.filter { held[$0] == nil }
        guard count > 0, !wanted.isEmpty else { return }
        let result = try connection.execute(
            ClusterSchema.acquire,
            parameters([options.name, options.member, String(options.leaseSeconds), String(count), ClusterSchema.array(wanted)]),
            operation: "cluster")
        for row in 0..<result.rowCount {
            let key = result.string(row: row, column: 0)
            guard let token = Int64(result.string(row: row, column: 1)), let names = registered[key] else { continue }
            let lease = SourceLease(
                pipeline: names.pipeline, source: names.source, token: token, deadline: sent + options.lease,
                pollMargin: options.lease / 3)
            held[key] = lease
            if let waiter = waiters.removeValue(forKey: key) {
                waiter.continuation.resume(returning: lease)
            } else {
                ready[key] = lease
            }
        }
    }

    // MARK: - Support

    private func dropWaiter(_ key: String, id: UInt64) {
        guard let waiter = waiters[key], waiter.id == id else { return }
        waiters[key] = nil
        waiter.continuation.resume(returning: nil)
    }

    private func connected() throws(ErrorInfo) -> PostgresConnection {
        if let connection, connection.isAlive { return connection }
        if let connection, connection.reset() == nil { return connection }
        let connection = try PostgresConnection(endpoint: endpoint, backend: "cluster", connectTimeoutSeconds: 5)
        try connection.executeScript(ClusterSchema.create, operation: "cluster")
        self.connection = connection
        return connection
    }

    private func parameters(_ values: [String]) -> PostgresParameters {
        var parameters = PostgresParameters()
        for value in values { _ = parameters.append(value) }
        return parameters
    }

    static func key(_ pipeline: String, _ source: String) -> String { "\(pipeline)/\(source)" }
}
