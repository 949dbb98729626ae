import CollectorValues

/// The named outputs of a pipeline, and how each record picks among them.
///
/// After the processors, every record is routed once:
///
/// 1. a route a processor chose (`Record.route`, from `emit(record, "alerts")`) stands;
/// 2. otherwise the pipeline's `rule` chooses (a field's value, or a function);
///    with no rule, the record goes to every output (`route` stays `nil`);
/// 3. a choice of no output goes to `defaultOutput`, or, without one, the
///    record is **unrouted**: counted (the ledger's `unrouted`), not stored;
/// 4. a choice naming an output that does not exist fails the record (it is
///    dead-lettered with a message naming the choice and the outputs).
///
/// The storage manager then gives each record to the backends of its outputs.
public struct RecordRouting: Sendable {
    /// The output names, one per backend, in the pipeline's backend order.
    public let outputs: [String]
    public let rule: RouteRule?
    /// Where a record goes that its rule (or processor) sent nowhere; `nil`: it is unrouted.
    public let defaultOutput: String?
    /// Names the routing in messages (`pipeline "web"`).
    public let owner: String

    /// - Throws: a `.configuration` `ErrorInfo` when `defaultOutput` or an
    ///   output the rule names is not one of `outputs`, or a name is given twice.
    public init(outputs: [String], rule: RouteRule? = nil, defaultOutput: String? = nil, owner: String = "pipeline")
        throws(ErrorInfo)
    {
        self.outputs = outputs
        self.rule = rule
        self.defaultOutput = defaultOutput
        self.owner = owner
        var seen = Set<String>()
        for name in outputs where !seen.insert(name).inserted {
            throw Self.configuration("\(owner): the output '\(name)' is named twice")
        }
        var named = rule?.namedOutputs ?? []
        if let defaultOutput { named.append(defaultOutput) }
        for name in named where !seen.contains(name) {
            throw Self.configuration(
                "\(owner): the route names the output '\(name)', which is not one of its outputs (\(Self.list(outputs)))")
        }
    }

    /// What became of a batch: the records that go on (each with its
    /// outputs in `route`, or `nil` for all), how many went nowhere, and
    /// those whose route was wrong.
    public struct Outcome: Sendable {
        public var routed: [Record]
        public var unrouted = 0
        public var failures: [(record: Record, error: ErrorInfo)] = []
    }

    /// Routes a batch; see the type's documentation.
    public func route(_ records: [Record]) async -> Outcome {
        // Nothing to route (no rule, no processor chose): the batch goes on as it is, to every output.
        if rule == nil, !records.contains(where: { $0.route != nil }) { return Outcome(routed: records) }
        var outcome = Outcome(routed: [])
        outcome.routed.reserveCapacity(records.count)
        let chosen: [Result<[String], ErrorInfo>]?
        switch rule {
        case .none:
            chosen = nil
        case .field(let field):
            chosen = records.map { .success($0.route ?? field.outputs(for: $0)) }
        case .chooser(let chooser):
            // Records a processor routed already are not asked about.
            let open = records.indices.filter { records[$0].route == nil }
            var answers = records.map { Result<[String], ErrorInfo>.success($0.route ?? []) }
            if !open.isEmpty {
                let given = await chooser.choose(open.map { records[$0] })
                for (index, answer) in zip(open, given) { answers[index] = answer }
                if given.count < open.count {
                    let missing = ErrorInfo(
                        .processing, layer: .processing, operation: "route",
                        message: "\(owner): the route gave \(given.count) answers for \(open.count) records")
                    for index in open[given.count...] { answers[index] = .failure(missing) }
                }
            }
            chosen = answers
        }
        for (index, record) in records.enumerated() {
            let names: [String]
            let byRule: Bool
            if let chosen {
                switch chosen[index] {
                case .success(let picked): names = picked
                case .failure(let error):
                    outcome.failures.append((record, error))
                    continue
                }
                byRule = record.route == nil
            } else if let picked = record.route {
                names = picked
                byRule = false
            } else {
                outcome.routed.append(record)
                continue
            }
            if names.isEmpty {
                guard let defaultOutput else {
                    outcome.unrouted += 1
                    continue
                }
                var routed = record
                routed.route = [defaultOutput]
                outcome.routed.append(routed)
                continue
            }
            if let unknown = names.first(where: { !outputs.contains($0) }) {
                outcome.failures.append((record, unknownOutput(unknown, byRule: byRule)))
                continue
            }
            var routed = record
            routed.route = names
            outcome.routed.append(routed)
        }
        return outcome
    }

    private func unknownOutput(_ name: String, byRule: Bool) -> ErrorInfo {
        let who = byRule ? "its route" : "a processor (emit)"
        let known = outputs.isEmpty
            ? "its outputs have no names: name them with to = { name = backend, ... }"
            : "its outputs are \(Self.list(outputs))"
        return ErrorInfo(
            .validation, layer: .processing, operation: "route",
            message: "\(owner): \(who) sent the record to the output '\(name)', which does not exist (\(known))",
            details: ["output": .string(name), "outputs": .array(outputs.map { .string($0) })])
    }

    private static func list(_ names: [String]) -> String {
        names.isEmpty ? "none named" : names.joined(separator: ", ")
    }

    private static func configuration(_ message: String) -> ErrorInfo {
        ErrorInfo(.configuration, layer: .engine, operation: "route", message: message)
    }
}
