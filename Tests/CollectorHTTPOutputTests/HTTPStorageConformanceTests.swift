import CollectorConformance
import CollectorHTTPOutput
import CollectorValues
import Foundation
import Testing

/// The conformance kit against `storage.http` posting to a real receiver on
/// 127.0.0.1 (Tests/Fixtures/http_sink_fixture.py), which refuses a batch
/// that holds a record marked `bad` with a 400: the backend then stores the
/// others one by one, as the kit's refused-record check asks.
@Suite("storage.http conformance")
struct HTTPStorageConformanceTests {
    @Test(arguments: [HTTPStorage.Format.ndjson, .json])
    func theKitPasses(format: HTTPStorage.Format) async throws {
        let sink = try SinkServer()
        var options = HTTPStorage.Options()
        options.format = format
        options.retries = 0
        let report = await BackendConformance(
            name: "http", make: { [options] in HTTPStorage(id: "http", url: sink.url("/ingest?refuse=bad"), options: options) },
            refusedValue: ["bad": true],
            readStored: { sink.posts().flatMap(\.records).map(Self.value) }
        ).run()
        #expect(report.failures.isEmpty, "\(report)")
        // What was not run: record ids are the receiver's to keep (the idempotency key says
        // which batch is which), and a blocked POST has no switch in this receiver.
        let skipped = Set(report.skipped.map(\.name))
        #expect(skipped.isSubset(of: [BackendConformance.Check.recordIDs, BackendConformance.Check.cancellation]), "\(report)")
        #expect(report.result(BackendConformance.Check.roundTrip)?.passed == true, "\(report)")
        #expect(report.result(BackendConformance.Check.refusedRecord)?.passed == true, "\(report)")
    }

    /// A JSON value the receiver logged, as the engine's value.
    static func value(_ object: Any) -> DataValue {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])) ?? Data("null".utf8)
        return (try? JSONReader().read(String(decoding: data, as: UTF8.self))) ?? .null
    }
}
