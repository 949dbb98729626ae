// The embedder's tests of embedding-example: the conformance kit run against
// its own source and backend, as a package of yours runs it from its tests.
import CollectorConformance
import Collectors
import Testing

@testable import embedding_example

@Suite struct ConnectorConformanceTests {
    @Test func tickerSource() async {
        let kit = SourceConformance(
            name: "ticker", reading: .stream,
            make: { TickerSource(id: "ticker", count: 5, interval: .milliseconds(1)) },
            // Nothing to read for an hour: the kit cancels a read that waits.
            idle: { TickerSource(id: "ticker", count: 5, interval: .seconds(3600)) })
        let report = await kit.run()
        #expect(report.passed, "\(report)")
        // Not a file, not a network source, and every tick is good JSON.
        #expect(
            Set(report.skipped.map(\.name))
                == [SourceConformance.Check.acknowledgement, SourceConformance.Check.reconnect, SourceConformance.Check.badInput],
            "\(report)")
    }

    @Test func printerStorage() async {
        let kit = BackendConformance(name: "printer", make: { PrinterStorage(id: "printer", prefix: "conformance: ") })
        let report = await kit.run()
        #expect(report.passed, "\(report)")
        // It keeps nothing to read back, and refuses no record JSON can hold.
        #expect(report.result(BackendConformance.Check.storeAfterDisconnect)?.passed == true, "\(report)")
    }
}
