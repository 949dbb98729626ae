import CollectorValues
import Collectors
import Foundation
import LuaRuntime

extension ScriptPipeline {
    /// `p:shadow(which, processor)`: runs `processor` beside the processor
    /// at `index` on the records it receives from now on, compared and
    /// never stored (`ShadowRun`); `nil` stops the shadow run there.
    func shadow(at index: Int, with processor: (any Processor)?) throws {
        guard let pipeline, outcome == nil else {
            throw LuaCallError("shadow: pipeline \"\(definition.name)\" is not running (p:start() first)")
        }
        // The source promote swaps in is the one that ran beside, whatever the file says later.
        var source: String?
        if let file = (processor as? LuaProcessor)?.file {
            do {
                source = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw LuaCallError("shadow: cannot read \(file): \(error.localizedDescription)")
            }
        }
        let run = processor.map { ShadowRun(processor: $0) }
        try bindings.loop.run { await pipeline.processing.setShadow(run, at: index) }
        shadowRuns[index]?.run.stop()
        shadowRuns[index] = run.map { ($0, source) }
    }

    /// `p:shadow_report([which])`: the counts and the first differences of
    /// a shadow run, once the batches handed to it so far are compared.
    func shadowReport(at index: Int?, lua: LuaState) throws -> DataValue {
        let names = definition.processors.map(\.name)
        let chosen: Int
        if let index {
            guard shadowRuns[index] != nil else {
                throw LuaCallError("shadow_report: processor '\(names[index])' has no shadow run (p:shadow first)")
            }
            chosen = index
        } else {
            guard let only = shadowRuns.keys.sorted().first else {
                throw LuaCallError("shadow_report: pipeline \"\(definition.name)\" has no shadow run (p:shadow first)")
            }
            guard shadowRuns.count == 1 else {
                throw LuaCallError(
                    "shadow_report: several processors have a shadow run (\(shadowRuns.keys.sorted().map { names[$0] }.joined(separator: ", "))); name one")
            }
            chosen = only
        }
        let run = shadowRuns[chosen]!.run
        try bindings.refuseWaitInsideJob("p:shadow_report()")
        try bindings.loop.run { await run.settle() }
        let counts = run.counts
        let diff = DataDiff(lua: lua)
        let examples = run.examples.map { example -> DataValue in
            var lines: [String] = []
            if let error = example.newError { lines.append("the new version failed: \(error)") }
            if let error = example.oldError { lines.append("the live version failed: \(error)") }
            if example.newError == nil {
                lines += diff.differences(expected: .array(example.old), got: .array(example.new), path: "")
            }
            return .object([
                "kind": .string(example.kind.rawValue), "input": example.input,
                "old": .array(example.old), "new": .array(example.new),
                "lines": .array(lines.map { .string($0) }),
            ])
        }
        return .object([
            "processor": .string(names[chosen]), "compared": .integer(Int64(counts.compared)),
            "same": .integer(Int64(counts.same)), "different": .integer(Int64(counts.different)),
            "only_old": .integer(Int64(counts.onlyOld)), "only_new": .integer(Int64(counts.onlyNew)),
            "failed": .integer(Int64(counts.failed)), "skipped": .integer(Int64(counts.skipped)),
            "diffs": .array(examples),
        ])
    }

    /// `p:promote(which)`: loads the shadow run's source into the live
    /// processor as its next version, through the reload path (inline
    /// tests, `migrate`, probation), and ends the shadow run when it is in.
    func promote(at index: Int) throws -> DataValue {
        // The swap waits for the batch under way, which may be the one calling.
        try bindings.refuseWaitInsideJob("p:promote()")
        let name = definition.processors[index].name
        guard let (run, shadowSource) = shadowRuns[index] else {
            throw LuaCallError("promote: processor '\(name)' has no shadow run (p:shadow first)")
        }
        guard let pipeline, outcome == nil else {
            throw LuaCallError("promote: pipeline \"\(definition.name)\" is not running")
        }
        guard let source = shadowSource else {
            throw LuaCallError("promote: the shadow run of '\(name)' is not a processor.file module (p:replace swaps other processors)")
        }
        let live = try bindings.loop.run { await pipeline.processing.currentProcessors[index] }
        guard let live = live as? LuaProcessor else {
            throw LuaCallError("promote: processor '\(name)' is not a Lua processor (p:replace swaps other processors)")
        }
        let result = try bindings.loop.run { await live.reload(source: source) }
        switch result.kind {
        case .failed, .rolledBack:
            throw LuaCallError("promote: '\(name)' keeps version \(result.runningVersion): \(result.description)")
        case .reloaded, .unchanged:
            try bindings.loop.run { await pipeline.processing.setShadow(nil, at: index) }
            run.stop()
            shadowRuns[index] = nil
            return .object([
                "status": .string(result.kind.rawValue), "version": .integer(Int64(result.version)),
                "message": .string(result.message),
            ])
        }
    }
}
