import CollectorValues
import Collectors

/// The conformance kit for a `StorageBackend`: the checks every backend of
/// the engine passes, run against a backend of yours from your own tests.
///
/// `make` gives a backend over the same stored data each call (a new
/// instance over the same file or table, or the same instance for one that
/// keeps records in memory). Checks that need a capability the backend does
/// not declare, or a closure not given, are skipped and say so. Every check
/// stores records of its own (marked with a field `conformance` holding a
/// fresh token), so they do not see each other's.
///
/// | check | needs | what passes |
/// |---|---|---|
/// | `backend.connect-idempotent` | | `disconnect()` before `connect()`, `connect()` twice, `disconnect()` twice, `connect()` again: no error, and a batch stores while connected |
/// | `backend.no-fd-leak` | | connect/store/disconnect cycles leave no file descriptor open |
/// | `backend.round-trip` | `.query` or `readStored` | what `store(batch:)` and `store(_:)` stored is read back, each record once, its fields equal |
/// | `backend.record-ids` | `.recordIDs` and a reader | a batch of `store(records:)` retried (whole, then with one new record) is stored once |
/// | `backend.refused-record` | `refusedValue` | in a `Pipeline`, a batch holding one record the backend cannot take stores the others; only that record fails (dead-lettered) |
/// | `backend.cancellation` | `blockStores` | a store waiting on the backend ends within `cancellationLimit` of its task being cancelled |
/// | `backend.disconnect-flushes` | a reader | what was stored before `disconnect()` is there for the next reader |
/// | `backend.store-after-disconnect` | | storing after `disconnect()` throws (and stores nothing) |
/// | `backend.metrics` | | after a `Pipeline` run, the backend's series exist and count what it stored |
public struct BackendConformance: Sendable {
    public typealias Make = @Sendable () async throws -> any StorageBackend

    /// What the backend can do beyond storing. (To become protocols a
    /// backend conforms to; until then the caller says.)
    public struct Capabilities: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `query` returns what was stored.
        public static let query = Capabilities(rawValue: 1 << 0)
        /// `store(records:)` stores each record id once.
        public static let recordIDs = Capabilities(rawValue: 1 << 1)
    }

    /// Names of the checks, as they appear in reports.
    public enum Check {
        public static let connectIdempotent = "backend.connect-idempotent"
        public static let noDescriptorLeak = "backend.no-fd-leak"
        public static let roundTrip = "backend.round-trip"
        public static let recordIDs = "backend.record-ids"
        public static let refusedRecord = "backend.refused-record"
        public static let cancellation = "backend.cancellation"
        public static let disconnectFlushes = "backend.disconnect-flushes"
        public static let storeAfterDisconnect = "backend.store-after-disconnect"
        public static let metrics = "backend.metrics"
    }

    /// Names the backend in the report.
    public var name: String
    public var make: Make
    public var capabilities: Capabilities
    /// A value the backend cannot store (a NaN where JSON is written, text
    /// in an integer column); `nil` skips `backend.refused-record`.
    public var refusedValue: DataValue?
    /// Makes stores block (a lock held by another connection, a full pipe)
    /// and returns what unblocks them; `nil` skips `backend.cancellation`.
    public var blockStores: (@Sendable () async throws -> @Sendable () async -> Void)?
    /// Reads everything stored, apart from any backend instance (the file
    /// itself); `nil` reads with `query` on a new instance when the backend can.
    public var readStored: (@Sendable () async throws -> [DataValue])?
    /// The record stored for `marker` and `n`; by default `{"conformance": marker, "n": n, "name": "record n"}`.
    /// Give your own for a table with a fixed layout (keep the `conformance` field: checks find their records by it).
    public var record: @Sendable (_ marker: String, _ n: Int) -> DataValue
    public var leakRounds: Int = 8
    public var cancellationLimit: Duration = .seconds(5)

    public init(
        name: String, capabilities: Capabilities = [], make: @escaping Make, refusedValue: DataValue? = nil,
        blockStores: (@Sendable () async throws -> @Sendable () async -> Void)? = nil,
        readStored: (@Sendable () async throws -> [DataValue])? = nil,
        record: @escaping @Sendable (_ marker: String, _ n: Int) -> DataValue = BackendConformance.defaultRecord
    ) {
        self.name = name
        self.capabilities = capabilities
        self.make = make
        self.refusedValue = refusedValue
        self.blockStores = blockStores
        self.readStored = readStored
        self.record = record
    }

    @Sendable public static func defaultRecord(_ marker: String, _ n: Int) -> DataValue {
        ["conformance": .string(marker), "n": .integer(Int64(n)), "name": .string("record \(n)")]
    }

    /// Runs every check, one after the other; the report has one result per check.
    public func run() async -> ConformanceReport {
        var report = ConformanceReport(subject: "backend '\(name)'")
        report.append(await runCheck(Check.connectIdempotent) { try await connectIsIdempotent() })
        report.append(await runCheck(Check.noDescriptorLeak) { try await leaksNoDescriptor() })
        report.append(await runCheck(Check.roundTrip) { try await roundTrips() })
        report.append(await runCheck(Check.recordIDs) { try await storesARecordIDOnce() })
        report.append(await runCheck(Check.refusedRecord) { try await refusedRecordFailsAlone() })
        report.append(await runCheck(Check.cancellation) { try await cancellationEndsAStore() })
        report.append(await runCheck(Check.disconnectFlushes) { try await disconnectFlushes() })
        report.append(await runCheck(Check.storeAfterDisconnect) { try await storeAfterDisconnectFails() })
        report.append(await runCheck(Check.metrics) { try await metricsArePresent() })
        return report
    }
}
