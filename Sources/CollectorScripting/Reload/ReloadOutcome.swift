import CollectorValues

/// What became of one reload of a Lua processor.
public struct ReloadOutcome: Sendable, Hashable, CustomStringConvertible {
    /// What happened.
    public enum Kind: String, Sendable, Hashable {
        /// The new version was swapped in (it is then on probation).
        case reloaded
        /// The new version was rejected before it ran; the running version stays.
        case failed
        /// The new version was swapped in, then failed its probation: the last
        /// good version runs again and re-processed the batch that tripped it.
        case rolledBack = "rolled_back"
        /// The file (and the modules it requires) say what the running version
        /// says: nothing to do.
        case unchanged
    }

    /// What happened.
    public var kind: Kind
    /// The processor's name.
    public var processor: String
    /// The version this outcome is about (versions are numbered from 1, in load order).
    public var version: Int
    /// The hash of that version's source.
    public var scriptHash: String
    /// The version that runs after this outcome.
    public var runningVersion: Int
    /// Where a failed or rolled-back version broke.
    public var stage: ReloadStage?
    /// What went wrong, as Lua said it (with the `file:line` of the problem when there is one).
    public var message: String
    /// The file and line of the problem, when known.
    public var file: String?
    public var line: Int?

    public init(
        kind: Kind, processor: String, version: Int, scriptHash: String, runningVersion: Int,
        stage: ReloadStage? = nil, message: String = "", file: String? = nil, line: Int? = nil
    ) {
        self.kind = kind
        self.processor = processor
        self.version = version
        self.scriptHash = scriptHash
        self.runningVersion = runningVersion
        self.stage = stage
        self.message = message
        self.file = file
        self.line = line
    }

    /// The log line.
    public var description: String {
        let head = "processor \(processor): "
        switch kind {
        case .reloaded:
            return head + "reloaded: version \(version) (\(scriptHash)) is swapped in" + (message.isEmpty ? "" : "; \(message)")
        case .unchanged:
            return head + "unchanged: version \(runningVersion) keeps running"
        case .failed:
            return head + "reload of version \(version) failed (\(stage?.rawValue ?? "?")): \(located); version \(runningVersion) keeps running"
        case .rolledBack:
            return head + "rolled back to version \(runningVersion): version \(version) \(message)"
        }
    }

    /// The message with the file and line of the problem in front, once.
    private var located: String {
        guard let file else { return message }
        let place = line.map { "\(file):\($0)" } ?? file
        return message.hasPrefix(place) || message.contains("\(file):") ? message : "\(place): \(message)"
    }

    /// The event's data.
    var eventData: DataObject {
        var data: DataObject = [
            "processor": .string(processor), "version": .integer(Int64(version)), "script_hash": .string(scriptHash),
            "running_version": .integer(Int64(runningVersion)), "message": .string(message),
        ]
        if let stage { data["stage"] = .string(stage.rawValue) }
        if let file { data["file"] = .string(file) }
        if let line { data["line"] = .integer(Int64(line)) }
        return data
    }
}
