import Collectors
import Foundation
import LuaRuntime

extension ScriptPipeline {
    /// `p:record(processor, count [, path] [, options])`: the next `count`
    /// records the processor receives, with what it made of each, written
    /// as a golden test file (`GoldenTestFile`). Returns the file written
    /// (nil when no record came) and how many records it holds.
    func record(at index: Int, count: Int, path: String?, timeout: Duration?, overwrite: Bool) throws
        -> (path: String?, count: Int)
    {
        guard let pipeline, outcome == nil else {
            throw LuaCallError("record: pipeline \"\(definition.name)\" is not running (p:start() first)")
        }
        try bindings.refuseWaitInsideJob("p:record()")
        let current = try bindings.loop.run { await pipeline.processing.currentProcessors }
        let processor = current[index]
        guard let module = (processor as? LuaProcessor)?.file else {
            throw LuaCallError(
                "record: processor '\(processor.name)' is not a processor.file module; a golden test requires the module by its file")
        }
        let (file, moduleName) = try GoldenTestFile.target(module: module, path: path, overwrite: overwrite, what: "record")
        let calls = try bindings.loop.run { () async -> [RecordedCall] in
            let watch = Task { await pipeline.processing.record(processor: index, count: count) }
            let timer = Task {
                guard let timeout else { return }
                try? await Task.sleep(for: timeout)
                watch.cancel()
            }
            // An interrupted recording ends the watch too, rather than leaving it on the pipeline.
            let calls = await withTaskCancellationHandler { await watch.value } onCancel: { watch.cancel() }
            timer.cancel()
            return calls
        }
        let records = calls.filter { $0.kind == .record }.count
        guard records > 0 else { return (nil, 0) }
        let golden = GoldenTestFile(
            moduleName: moduleName, pipeline: definition.name, processor: processor.name, calls: calls,
            config: (processor as? LuaProcessor)?.options.config)
        try golden.write(to: file, what: "record")
        return (file, records)
    }
}
