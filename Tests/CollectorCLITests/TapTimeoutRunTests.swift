import Foundation
import Testing

/// A running pipeline's `tap` takes its timeout in seconds: one a duration
/// cannot hold (1e300, NaN, negative) or longer than any duration option
/// (1e12 seconds) is an error, not a trap of the process.
@Suite("collector run: tap timeouts")
struct TapTimeoutRunTests {
    @Test func aTimeoutOutOfRangeIsAnErrorThatPcallCatches() throws {
        let script = try Collector.script("""
            local p = pipeline "live" { from = source.generator { rate = 1000 }, to = storage.null {} }
            p:start()
            for _, timeout in ipairs { 1e300, 0/0, -5, 1e12 } do
              print(select(2, pcall(p.tap, p, "output", 1, timeout)))
            end
            print(#p:tap("output", 1, 10))
            p:stop()
            p:wait()
            """)
        let outcome = try Collector.run(["run", "-q", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count >= 5, "\(outcome.stdout)")
        #expect(lines.prefix(4).allSatisfy { $0.contains("tap: the timeout must be from 0 to 1000000000 seconds") }, "\(lines)")
        #expect(lines.dropFirst(4).first == "1", "the pipeline still answers: \(lines)")
    }
}
