/// Where every record of a pipeline run went, and the equations that must
/// hold between the counts once the run has ended:
///
/// - `read == in`: every record the sources' items held (undecodable ones
///   included) entered processing;
/// - `in + created == out + dropped + failed + unrouted`: processing
///   accounted for each (`created`: what splits, timers and shutdown hooks
///   added; `unrouted`: records the pipeline's route sent to no output, with
///   no default output to take them);
/// - `out == received`: storage got every record that came out;
/// - per backend, `routed == stored + skipped + spooled + refused`
///   (`refused`: failed to store and not spooled; `skipped`: stored before,
///   by record id);
/// - `failed + refused (+ refused on replay) == dead_letters + discarded`:
///   every failure was handed to the dead-letter sink, or went nowhere
///   because none was configured (or the error handler said `log`);
/// - `dead_letters == written + spooled + lost`: the sink wrote each letter,
///   put it in the spool (its destination was down or full), or counted it lost.
///
/// A mismatch is a bug in the engine; `Pipeline.run()` reports it as an
/// error and fails the run.
public struct PipelineLedger: Sendable, Hashable {
    /// One backend's part.
    public struct Backend: Sendable, Hashable {
        public var routed = 0
        public var stored = 0
        public var skipped = 0
        public var spooled = 0
        /// Failed to store in this run's writes (not spooled).
        public var refused = 0
        /// Refused when replayed from the spool (records of this run or of an earlier one).
        public var refusedOnReplay = 0

        public init(routed: Int = 0, stored: Int = 0, skipped: Int = 0, spooled: Int = 0, refused: Int = 0, refusedOnReplay: Int = 0) {
            self.routed = routed
            self.stored = stored
            self.skipped = skipped
            self.spooled = spooled
            self.refused = refused
            self.refusedOnReplay = refusedOnReplay
        }
    }

    public var read = 0
    public var input = 0
    public var created = 0
    public var output = 0
    public var dropped = 0
    public var failed = 0
    /// Records routed to no output (see `RecordRouting`): not stored, not failed.
    public var unrouted = 0
    /// Records the storage manager received.
    public var received = 0
    public var backends: [String: Backend] = [:]
    /// Failures (of processing and of storage) handed to the dead-letter sink.
    public var deadLetters = 0
    /// Failures that went to no dead-letter sink.
    public var discarded = 0
    /// Letters the sink wrote, those waiting in the spool for it, and those it could not take.
    public var deadLettersWritten = 0
    public var deadLettersSpooled = 0
    public var deadLettersLost = 0

    public init() {}

    public init(_ report: PipelineReport) {
        let p = report.processing, s = report.storage
        read = report.read
        input = p.input
        created = p.created
        output = p.output
        dropped = p.dropped
        failed = p.failed
        unrouted = p.unrouted
        received = s.received
        for id in Set(s.routed.keys).union(s.stored.keys).union(s.failed.keys).union(s.spooled.keys) {
            let replayRefused = s.failedInReplay[id] ?? 0
            backends[id] = Backend(
                routed: s.routed[id] ?? 0, stored: s.stored[id] ?? 0, skipped: s.skipped[id] ?? 0,
                spooled: s.spooled[id] ?? 0, refused: (s.failed[id] ?? 0) - replayRefused,
                refusedOnReplay: replayRefused)
        }
        deadLetters = p.deadLettered + s.deadLettered
        discarded = p.discarded + s.discarded
        deadLettersWritten = report.deadLetters?.written ?? deadLetters
        deadLettersSpooled = report.deadLetters?.spooled ?? 0
        deadLettersLost = report.deadLetters?.lost ?? 0
    }

    /// Records not stored: refused by a backend (on a write or a replay).
    public var refused: Int { backends.values.reduce(0) { $0 + $1.refused + $1.refusedOnReplay } }

    /// The equations that do not hold, each naming its terms and figures; empty when all do.
    public var mismatches: [String] {
        var found: [String] = []
        if read != input { found.append("read (\(read)) != in (\(input))") }
        if input + created != output + dropped + failed + unrouted {
            found.append(
                "in (\(input)) + created (\(created)) != out (\(output)) + dropped (\(dropped)) + failed (\(failed)) + unrouted (\(unrouted))")
        }
        if output != received { found.append("out (\(output)) != received by storage (\(received))") }
        for (id, b) in backends.sorted(by: { $0.key < $1.key })
        where b.routed != b.stored + b.skipped + b.spooled + b.refused {
            found.append(
                "backend '\(id)': routed (\(b.routed)) != stored (\(b.stored)) + skipped (\(b.skipped)) + spooled (\(b.spooled)) + refused (\(b.refused))"
            )
        }
        if failed + refused != deadLetters + discarded {
            found.append(
                "failed (\(failed)) + refused (\(refused)) != dead_letters (\(deadLetters)) + discarded (\(discarded))")
        }
        if deadLetters != deadLettersWritten + deadLettersSpooled + deadLettersLost {
            found.append(
                "dead_letters (\(deadLetters)) != written (\(deadLettersWritten)) + spooled (\(deadLettersSpooled)) + lost (\(deadLettersLost))"
            )
        }
        return found
    }
}
