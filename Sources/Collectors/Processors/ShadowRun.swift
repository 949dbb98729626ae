import CollectorValues

/// A new version of a processor running beside the live one on the same
/// records (`ProcessingManager.setShadow`): its outputs are compared with
/// the live ones and counted, never passed on or stored.
///
/// The live pipeline only hands each batch over (the records are shared,
/// not copied; a first processor's JSON documents are handed over as
/// bytes, decoded straight into the new version's Lua states as the live
/// version's are, not into values first); the new version runs in a task
/// of its own, so it does not slow the live processor down. Outputs are
/// compared record by record, in place; only a difference kept as an
/// example is copied out. At most `limit` records wait for it: past
/// that, a batch is skipped (counted) rather than held, so memory stays
/// bounded when the new version is slower than the live one.
public final class ShadowRun: Sendable {
    /// What the comparison found so far.
    public struct Counts: Sendable, Hashable {
        /// Records both versions made the same of: equal outputs, both dropped, or both failed.
        public var same = 0
        /// Records both gave outputs for, that differ.
        public var different = 0
        /// Records the live version gave outputs for and the new one dropped.
        public var onlyOld = 0
        /// Records the live version dropped or failed and the new one gave outputs for.
        public var onlyNew = 0
        /// Records the new version failed and the live one did not.
        public var failed = 0
        /// Records not compared: the new version was too far behind.
        public var skipped = 0

        public var compared: Int { same + different + onlyOld + onlyNew + failed }

        public init() {}

        /// These counts and `other` added up (shadow runs of one version at several places).
        public func adding(_ other: Counts) -> Counts {
            var sum = self
            sum.same += other.same
            sum.different += other.different
            sum.onlyOld += other.onlyOld
            sum.onlyNew += other.onlyNew
            sum.failed += other.failed
            sum.skipped += other.skipped
            return sum
        }
    }

    /// A record the versions disagreed on.
    public struct Difference: Sendable {
        public enum Kind: String, Sendable { case different, onlyOld = "only_old", onlyNew = "only_new", failed }
        public var kind: Kind
        public var input: DataValue
        /// What the live version gave (none when it dropped or failed the record).
        public var old: [DataValue]
        /// What the new version gave.
        public var new: [DataValue]
        /// The live version's error, when it failed the record.
        public var oldError: String?
        /// The new version's error, when it failed the record.
        public var newError: String?
    }

    /// A batch as the live processor received it.
    private enum Inputs: Sendable {
        case records([Record])
        case documents([JSONDocument])

        var count: Int {
            switch self {
            case .records(let records): records.count
            case .documents(let documents): documents.count
            }
        }

        /// The input at `index` as a value (a document is decoded here, for an example only).
        func value(at index: Int) -> DataValue {
            switch self {
            case .records(let records): records[index].value
            case .documents(let documents): documents[index].record().value
            }
        }
    }

    private struct State {
        var counts = Counts()
        var examples: [Difference] = []
        var queue: [(inputs: Inputs, live: [ProcessingResult])] = []
        var waiting = 0
        var draining = false
        var stopped = false
        var offered = 0
        var done = 0
    }

    /// The new version.
    public let processor: any Processor
    /// How many records may wait for the new version.
    public let limit: Int
    /// How many differences are kept as examples.
    public let exampleLimit: Int
    private let state = Locked(State())

    public init(processor: any Processor, limit: Int = 10_000, examples: Int = 5) {
        self.processor = processor
        self.limit = limit
        exampleLimit = examples
    }

    public var counts: Counts { state.withLock { $0.counts } }
    /// The first differences, in the order found.
    public var examples: [Difference] { state.withLock { $0.examples } }

    /// Hands a batch the live version processed, with its results, to the new version.
    func offer(_ inputs: [Record], _ live: [ProcessingResult]) {
        offer(.records(inputs), live)
    }

    /// Hands a batch of JSON documents the live (first) processor decoded and processed, with its results.
    func offer(documents: [JSONDocument], _ live: [ProcessingResult]) {
        offer(.documents(documents), live)
    }

    private func offer(_ inputs: Inputs, _ live: [ProcessingResult]) {
        let start = state.withLock { s -> Bool in
            guard !s.stopped else { return false }
            guard s.waiting + inputs.count <= limit else {
                s.counts.skipped += inputs.count
                return false
            }
            s.queue.append((inputs, live))
            s.waiting += inputs.count
            s.offered += 1
            if s.draining { return false }
            s.draining = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    /// Stops taking batches; those waiting are dropped (not counted).
    public func stop() {
        state.withLock { s in
            s.stopped = true
            s.done += s.queue.count
            s.queue = []
            s.waiting = 0
        }
    }

    /// Waits until the batches handed over before this call are compared.
    public func settle() async {
        let target = state.withLock { $0.offered }
        while state.withLock({ $0.done < target }) {
            try? await Task.sleep(for: .milliseconds(2))
            if Task.isCancelled { return }
        }
    }

    private func drain() async {
        while let (inputs, live) = state.withLock({ s -> (inputs: Inputs, live: [ProcessingResult])? in
            guard !s.queue.isEmpty else {
                s.draining = false
                return nil
            }
            return s.queue.removeFirst()
        }) {
            let results: [ProcessingResult]
            switch inputs {
            case .records(let records):
                results = await processor.process(batch: records)
            case .documents(let documents):
                if let reader = processor as? any JSONDocumentProcessor {
                    results = await reader.process(documents: documents)
                } else {
                    results = await processor.process(batch: documents.map { $0.record() })
                }
            }
            state.withLock { s in
                s.waiting -= inputs.count
                s.done += 1
                for index in 0..<inputs.count {
                    let new = index < results.count ? results[index] : nil
                    compare(inputs, index, live[index], new, in: &s)
                }
            }
        }
    }

    private func compare(_ inputs: Inputs, _ index: Int, _ live: ProcessingResult, _ new: ProcessingResult?, in s: inout State) {
        let newFailed = new?.success != true
        let made = newFailed ? 0 : new?.recordCount ?? 0
        let kind: Difference.Kind?
        switch (live.success, newFailed) {
        case (false, true): kind = nil
        case (true, true): kind = .failed
        case (false, false): kind = made == 0 ? nil : .onlyNew
        case (true, false):
            if let new, live.sameRecords(as: new) {
                kind = nil
            } else if made == 0 {
                kind = .onlyOld
            } else if live.recordCount == 0 {
                kind = .onlyNew
            } else {
                kind = .different
            }
        }
        guard let kind else {
            s.counts.same += 1
            return
        }
        switch kind {
        case .different: s.counts.different += 1
        case .onlyOld: s.counts.onlyOld += 1
        case .onlyNew: s.counts.onlyNew += 1
        case .failed: s.counts.failed += 1
        }
        if s.examples.count < exampleLimit {
            let old = live.success ? live.records.map(\.value) : []
            let made = newFailed ? [] : new?.records.map(\.value) ?? []
            s.examples.append(
                Difference(
                    kind: kind, input: inputs.value(at: index), old: old, new: made,
                    oldError: live.success ? nil : live.error?.message,
                    newError: newFailed ? (new?.error?.message ?? "no result for the record") : nil))
        }
    }
}
