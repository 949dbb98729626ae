import Collectors

/// What `collector replay` feeds a script's pipeline: the records of a
/// dead-letter file, instead of the pipeline's sources (which are not started).
public struct DeadLetterReplay: Sendable {
    public var file: DeadLetterFile
    /// The pipeline to feed (`--pipeline`); nil: the script's only one.
    public var pipeline: String?

    public init(file: DeadLetterFile, pipeline: String? = nil) {
        self.file = file
        self.pipeline = pipeline
    }
}

/// The script's pipelines do not say which one a replay feeds.
public struct ReplayChoiceError: Error, CustomStringConvertible {
    public var description: String
}

extension ScriptBindings {
    /// Runs the one pipeline the replay feeds (the others do not start).
    func runReplay(_ replay: DeadLetterReplay) throws -> [Outcome] {
        let name = try replayTarget(replay)
        guard let handle = handles.first(where: { $0.definition.name == name }) else { return [] }
        if handle.state != .finished { try refuseWaitInsideJob("run()") }
        if handle.state == .pending { try handle.start() }
        guard handle.state == .running else { return [] }
        try handle.wait()
        return handle.outcome.map { [$0] } ?? []
    }

    /// The pipeline `definition` with the replay's records for its sources.
    func replaying(_ replay: DeadLetterReplay, through definition: PipelineDefinition) throws -> PipelineDefinition {
        let name = try replayTarget(replay, starting: definition.name)
        guard name == definition.name else {
            throw ReplayChoiceError(
                description: "replay: pipeline \"\(definition.name)\" does not run: the dead letters are replayed through pipeline \"\(name)\"")
        }
        replayedPipeline = name
        var definition = definition
        definition.sources = [(DeadLetterReplaySource(file: replay.file), .stream)]
        definition.replayAttempts = ReplayAttempts(replay.file.entries)
        return definition
    }

    /// The pipeline the replay feeds: `--pipeline`, the one already fed, the
    /// one being started, or the script's only one.
    private func replayTarget(_ replay: DeadLetterReplay, starting: String? = nil) throws -> String {
        let names = handles.map(\.definition.name)
        let listed = names.map { "\"\($0)\"" }.joined(separator: ", ")
        if let name = replay.pipeline {
            guard names.contains(name) else {
                throw ReplayChoiceError(
                    description: names.isEmpty
                        ? "replay: the script defines no pipeline (looked for \"\(name)\")"
                        : "replay: the script has no pipeline \"\(name)\" (its pipelines: \(listed))")
            }
            return name
        }
        if let replayedPipeline { return replayedPipeline }
        if let starting { return starting }
        guard names.count == 1, let only = names.first else {
            throw ReplayChoiceError(
                description: names.isEmpty
                    ? "replay: the script defines no pipeline to replay the dead letters through"
                    : "replay: the script has \(names.count) pipelines (\(listed)); choose one with --pipeline NAME")
        }
        return only
    }
}
