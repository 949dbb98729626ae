/// `time.now()` in `collector test`: the tests' simulated clock, in seconds
/// since the epoch. It starts at 0 and moves only as tests advance time;
/// inside `on_timer` it is the `now` that call got.
final class SimulatedNow {
    var seconds: Double = 0
}
