import Collectors
import Foundation
import LuaRuntime

/// `collector test --record`: the next `count` records a processor of the
/// script's pipelines receives, with what it made of each, written as a
/// golden test file (`GoldenTestFile`, as `p:record` writes it); once it is
/// written, the pipelines stop (gracefully: what they collected is stored).
public struct GoldenRecording: Sendable {
    /// The processor's name (a `processor.file` module's is its file name without `.lua`).
    public var processor: String
    public var count: Int
    /// The test file; nil: `NAME_test.lua` beside the module.
    public var path: String?
    /// Write over a file that exists.
    public var overwrite: Bool

    public init(processor: String, count: Int, path: String? = nil, overwrite: Bool = false) {
        self.processor = processor
        self.count = count
        self.path = path
        self.overwrite = overwrite
    }

    /// A recording that cannot start: no such processor, or a test file
    /// that cannot be written there (a usage error of `collector test --record`).
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// What came of a recording.
    public enum Outcome: Sendable {
        /// The file was written with `count` tests (fewer than asked when the pipeline ended first).
        case written(file: String, count: Int, pipeline: String)
        /// The pipeline ended before the processor received a record: nothing was written.
        case nothing(pipeline: String)
        /// The file could not be written.
        case failed(String)
    }

    /// Where the recording goes in a pipeline about to start: the processor's
    /// place and the test file, or nil when the pipeline has no such processor.
    /// Throws when it has, but the file could not be written or the module not
    /// required from there.
    func place(in definition: PipelineDefinition) throws -> (index: Int, file: String, moduleName: String)? {
        guard let index = definition.processors.firstIndex(where: { $0.name == processor }) else { return nil }
        guard let module = (definition.processors[index] as? LuaProcessor)?.file else {
            throw Problem(
                description: "--record: processor '\(processor)' of pipeline \"\(definition.name)\" is not a processor.file module; a golden test requires the module by its file")
        }
        do {
            let (file, moduleName) = try GoldenTestFile.target(
                module: module, path: path, overwrite: overwrite, what: "--record", overwriteHint: "give --overwrite to write over it")
            return (index, file, moduleName)
        } catch {
            throw Problem(description: "\(error)")
        }
    }

    /// Records in `pipeline`, writes the file, then `stop`s the pipelines.
    static func run(
        _ count: Int, at place: (index: Int, file: String, moduleName: String), of definition: PipelineDefinition,
        in pipeline: Pipeline, stop: @escaping @Sendable () -> Void, registered: @escaping @Sendable () -> Void
    ) async -> Outcome {
        // Stopped once `count` records are in; the recording goes on to the end (the shutdown too).
        let calls = await pipeline.processing.record(processor: place.index, count: count, whenFull: stop, registered: registered)
        stop()
        let recorded = calls.filter { $0.kind == .record }.count
        guard recorded > 0 else { return .nothing(pipeline: definition.name) }
        let processor = definition.processors[place.index]
        let golden = GoldenTestFile(
            moduleName: place.moduleName, pipeline: definition.name, processor: processor.name, calls: calls,
            config: (processor as? LuaProcessor)?.options.config)
        do {
            try golden.write(to: place.file, what: "--record")
        } catch {
            return .failed("\(error)")
        }
        return .written(file: place.file, count: recorded, pipeline: definition.name)
    }
}
