import Collectors

/// The conformance kit for a `DataSource`: the checks every source of the
/// engine passes, run against a source of yours from your own tests.
///
/// Each check gets fresh sources from the closures given; a check whose
/// closure is not given is skipped (and says so in the report). Waits are
/// bounded (a source that hangs fails its check, it does not hang the test);
/// none asserts on speed.
///
/// | check | needs | what passes |
/// |---|---|---|
/// | `source.connect-idempotent` | `make` | `disconnect()` before `connect()`, `connect()` twice, `disconnect()` twice, `connect()` again: no error, and an item can be read while connected |
/// | `source.no-fd-leak` | `make` | connect/read/disconnect cycles leave no file descriptor open (`/proc/self/fd`) |
/// | `source.cancellation` | `idle` (else `make`) | a read blocked waiting for data ends within `cancellationLimit` of its task being cancelled: as the kit reads it (`reading`) and, for a source a pipeline streams (`mode` `.stream`), `stream()` |
/// | `source.acknowledgement` | `checkpointed` | positions are saved only by `commit`: what was read and not acknowledged is read again, by a new source after a clean stop or a crash |
/// | `source.reconnect` | `restart` | after the server restarts, items come again (from the new server) |
/// | `source.bad-input` | `badInput` | in a `Pipeline`, the payload that cannot be decoded fails alone (dead-lettered) and the good records after it are stored |
/// | `source.metrics` | `make` | after a `Pipeline` run, the source's series exist, and its item and byte counters counted |
public struct SourceConformance: Sendable {
    public typealias Make = @Sendable () async throws -> any DataSource

    /// How the kit reads a source outside a pipeline.
    public enum Reading: Sendable, Hashable {
        /// `collect()` for each item.
        case collect
        /// `stream()`, taking items from it.
        case stream
    }

    /// Names of the checks, as they appear in reports.
    public enum Check {
        public static let connectIdempotent = "source.connect-idempotent"
        public static let noDescriptorLeak = "source.no-fd-leak"
        public static let cancellation = "source.cancellation"
        public static let acknowledgement = "source.acknowledgement"
        public static let reconnect = "source.reconnect"
        public static let badInput = "source.bad-input"
        public static let metrics = "source.metrics"
    }

    /// A network source and the hook that restarts its server on the same address.
    public struct Restart: Sendable {
        public var make: Make
        /// Stops the server and starts it again where the source connects; returns once it listens.
        public var restartServer: @Sendable () async throws -> Void
        /// Tells an item of the restarted server from one the first sent
        /// before it stopped; `nil` takes any item read after the restart.
        public var isFromRestartedServer: (@Sendable (CollectedData) -> Bool)?

        public init(
            make: @escaping Make, restartServer: @escaping @Sendable () async throws -> Void,
            isFromRestartedServer: (@Sendable (CollectedData) -> Bool)? = nil
        ) {
            self.make = make
            self.restartServer = restartServer
            self.isFromRestartedServer = isFromRestartedServer
        }
    }

    /// A source whose input holds a payload that cannot be decoded (a line
    /// that is not JSON, bytes that are not UTF-8), then `goodRecords` good ones.
    public struct BadInput: Sendable {
        public var make: Make
        public var goodRecords: Int

        public init(goodRecords: Int, make: @escaping Make) {
            self.make = make
            self.goodRecords = goodRecords
        }
    }

    /// Names the source in the report.
    public var name: String
    /// A source with items to read: at least `leakRounds` × 2 + 2 reads' worth
    /// when each call reads the same input anew, else a fresh input per call.
    public var make: Make
    /// How a pipeline collects it (`.stream`, `.interval(...)`, `.once`).
    public var mode: CollectionMode
    /// How the kit reads it outside a pipeline.
    public var reading: Reading
    /// A source that is connected to its input but has nothing to read yet
    /// (a followed file with no new line, a pipe with no writer's data, a
    /// server that sends nothing): its read blocks until cancelled.
    public var idle: Make?
    /// A `CheckpointedSource` over an input of at least three items and one
    /// place its position is kept: each call, a new source over the same
    /// input and the same position store.
    public var checkpointed: Make?
    public var restart: Restart?
    public var badInput: BadInput?
    /// How many connect/disconnect cycles make one round of the descriptor check.
    public var leakRounds: Int = 8
    /// How long a cancelled read may take to end.
    public var cancellationLimit: Duration = .seconds(5)

    public init(
        name: String, mode: CollectionMode = .stream, reading: Reading = .collect, make: @escaping Make,
        idle: Make? = nil, checkpointed: Make? = nil, restart: Restart? = nil, badInput: BadInput? = nil
    ) {
        self.name = name
        self.mode = mode
        self.reading = reading
        self.make = make
        self.idle = idle
        self.checkpointed = checkpointed
        self.restart = restart
        self.badInput = badInput
    }

    /// Runs every check, one after the other; the report has one result per check.
    public func run() async -> ConformanceReport {
        var report = ConformanceReport(subject: "source '\(name)'")
        report.append(await runCheck(Check.connectIdempotent) { try await connectIsIdempotent() })
        report.append(await runCheck(Check.noDescriptorLeak) { try await leaksNoDescriptor() })
        report.append(await runCheck(Check.cancellation) { try await cancellationEndsARead() })
        report.append(await runCheck(Check.acknowledgement) { try await savesOnlyAcknowledgedPositions() })
        report.append(await runCheck(Check.reconnect) { try await reconnectsAfterRestart() })
        report.append(await runCheck(Check.badInput) { try await badInputFailsAlone() })
        report.append(await runCheck(Check.metrics) { try await metricsArePresent() })
        return report
    }
}
