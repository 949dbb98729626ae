@testable import Collectors
import Foundation
import Testing

@Suite("OneShot", .timeLimit(.minutes(1)))
struct OneShotTests {
    @Test func everyWaiterGetsTheValueSetFromAnotherThread() async throws {
        let shot = OneShot<Int>()
        let waiters = (0..<8).map { _ in Task { await shot.value() } }
        let steadfast = Task { await shot.valueIgnoringCancellation() }
        Thread { shot.set(7) }.start()
        for waiter in waiters { #expect(await waiter.value == 7) }
        #expect(await steadfast.value == 7)
        shot.set(8)  // ignored: set once
        #expect(shot.current == 7)
        #expect(await shot.value(within: .seconds(30)) == 7)
    }

    @Test func aLimitThatPassesGivesNil() async {
        let shot = OneShot<String>()
        #expect(await shot.value(within: .milliseconds(20)) == nil)
        #expect(shot.current == nil)
    }

    @Test func theValueEndsAWaitWithALimitBeforeTheLimit() async {
        let shot = OneShot<String>()
        let waiting = Task { await shot.value(within: .seconds(600)) }
        shot.set("done")
        // Were the limit waited out, the suite's time limit would end the test.
        #expect(await waiting.value == "done")
    }

    @Test func cancellationEndsAWaitButNotASteadfastOne() async {
        let shot = OneShot<Int>()
        let waiting = Task { await shot.value() }
        let bounded = Task { await shot.value(within: .seconds(600)) }
        let steadfast = Task { await shot.valueIgnoringCancellation() }
        waiting.cancel()
        bounded.cancel()
        steadfast.cancel()
        #expect(await waiting.value == nil)
        #expect(await bounded.value == nil)
        shot.set(1)
        #expect(await steadfast.value == 1)
    }
}
