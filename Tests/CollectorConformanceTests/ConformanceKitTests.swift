import CollectorConformance
import Collectors
import CollectorValues
import Foundation
import Testing

/// The kit finds what it checks for: connectors broken on purpose fail the
/// check concerned, with a message that says what is wrong.
extension ConformanceRuns {
    @Suite struct ConformanceKitTests {
        /// Lines `{"n": i}` from a shared position; `saveOnRead` saves the
        /// position as it reads (ignoring acknowledgements), `leaks` opens a
        /// descriptor at each connect and never closes it, `deaf` waits for data
        /// without noticing cancellation (until disconnect).
        final class BrokenSource: CheckpointedSource, @unchecked Sendable {
            let id = "broken"
            let saveOnRead: Bool
            let leaks: Bool
            let deaf: Bool
            let saved: Locked<Int>
            private let lock = NSLock()
            private var next = 0
            private var waiting: CheckedContinuation<Void, Never>?

            init(saved: Locked<Int> = Locked(0), saveOnRead: Bool = false, leaks: Bool = false, deaf: Bool = false) {
                self.saved = saved
                self.saveOnRead = saveOnRead
                self.leaks = leaks
                self.deaf = deaf
            }

            func connect() async throws {
                if leaks { _ = open("/dev/null", O_RDONLY) }
                lock.withLock { next = saved.withLock { $0 } }
            }

            func disconnect() async {
                lock.withLock { () -> CheckedContinuation<Void, Never>? in
                    defer { waiting = nil }
                    return waiting
                }?.resume()
            }

            func collect() async throws -> CollectedData {
                if deaf {
                    await withCheckedContinuation { continuation in lock.withLock { waiting = continuation } }
                    throw CancellationError()
                }
                let n = lock.withLock { () -> Int in
                    defer { next += 1 }
                    return next
                }
                if saveOnRead { saved.withLock { $0 = n + 1 } }
                return CollectedData(
                    sourceID: id, format: .json, method: .mock, payload: Array("{\"n\":\(n)}".utf8), checkpoint: .integer(Int64(n + 1)))
            }

            func useCommittedCheckpoints() async {}

            func commit(_ checkpoint: DataValue, force: Bool) async {
                if !saveOnRead, case .integer(let position) = checkpoint { saved.withLock { $0 = Int(position) } }
            }
        }

        @Test func aSourceThatSavesPositionsBeforeAcknowledgementFails() async throws {
            let saved = Locked(0)
            let kit = SourceConformance(
                name: "broken", mode: .interval(.milliseconds(10)), make: { BrokenSource() }, checkpointed: { BrokenSource(saved: saved, saveOnRead: true) })
            let report = await kit.run()
            let result = try #require(report.result(SourceConformance.Check.acknowledgement))
            #expect(result.failureMessage?.contains("saved past what was acknowledged") == true, "\(report)")
            // The same source saving only what is committed passes.
            let good = await SourceConformance(
                name: "good", mode: .interval(.milliseconds(10)), make: { BrokenSource() }, checkpointed: { [saved = Locked(0)] in BrokenSource(saved: saved) }
            ).run()
            #expect(good.result(SourceConformance.Check.acknowledgement)?.passed == true, "\(good)")
        }

        @Test func aSourceThatLeaksADescriptorPerConnectFails() async throws {
            let report = await SourceConformance(name: "leaky", mode: .interval(.milliseconds(10)), make: { BrokenSource(leaks: true) }).run()
            let result = try #require(report.result(SourceConformance.Check.noDescriptorLeak))
            #expect(result.failureMessage?.contains("were still open at the end") == true, "\(report)")
        }

        @Test func aReadThatIgnoresCancellationFails() async throws {
            var kit = SourceConformance(name: "deaf", mode: .interval(.milliseconds(10)), make: { BrokenSource() }, idle: { BrokenSource(deaf: true) })
            kit.cancellationLimit = .milliseconds(500)
            let report = await kit.run()
            let result = try #require(report.result(SourceConformance.Check.cancellation))
            #expect(result.failureMessage?.contains("after its task was cancelled") == true, "\(report)")
            #expect(report.result(SourceConformance.Check.connectIdempotent)?.passed == true, "\(report)")
        }

        /// Keeps every record, stores after disconnect, fails a whole batch for
        /// one record it cannot take (a NaN) with a storage error, and stores a
        /// record id as often as it is given.
        actor CarelessBackend: StorageBackend {
            nonisolated let id = "careless"
            var rows: [DataValue] = []

            func connect() async throws {}
            func disconnect() async {}

            func store(_ record: DataValue) async throws -> StorageLocation {
                _ = try await store(batch: [record])
                return StorageLocation(backendID: id, locationID: String(rows.count), path: "careless://\(rows.count)")
            }

            func store(batch records: [DataValue]) async throws -> StoredBatch {
                if records.contains(where: { if case .double(let d)? = $0["n"] { d.isNaN } else { false } }) {
                    throw ErrorInfo(.storage, layer: .storage, operation: "store", message: "cannot write NaN")
                }
                rows.append(contentsOf: records)
                return StoredBatch(backendID: id, count: records.count)
            }

            func query(_ criteria: QueryCriteria) async throws -> [DataValue] { rows }
            func delete(locationID: String) async throws {}
        }

        @Test func aCarelessBackendFailsItsChecks() async throws {
            let backend = CarelessBackend()
            let report = await BackendConformance(
                name: "careless", capabilities: [.query, .recordIDs], make: { backend }, refusedValue: ["n": .double(.nan)]
            ).run()
            #expect(report.result(BackendConformance.Check.connectIdempotent)?.passed == true, "\(report)")
            #expect(report.result(BackendConformance.Check.roundTrip)?.passed == true, "\(report)")
            let afterDisconnect = try #require(report.result(BackendConformance.Check.storeAfterDisconnect))
            #expect(afterDisconnect.failureMessage?.contains("succeeded") == true, "\(report)")
            let refused = try #require(report.result(BackendConformance.Check.refusedRecord))
            #expect(refused.failureMessage?.contains("the whole batch failed for one record") == true, "\(report)")
            let ids = try #require(report.result(BackendConformance.Check.recordIDs))
            #expect(ids.failureMessage?.contains("not once") == true, "\(report)")
            #expect(report.result(BackendConformance.Check.cancellation)?.skipped == true, "\(report)")
        }
    }
}
