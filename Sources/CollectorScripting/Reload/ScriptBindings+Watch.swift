extension ScriptBindings {
    /// The Lua processors loaded from files in the registered pipelines.
    public var fileProcessors: [LuaProcessor] {
        var found: [LuaProcessor] = []
        for processor in pipelines.flatMap(\.processors) {
            if let lua = processor as? LuaProcessor, lua.file != nil, !found.contains(where: { $0 === lua }) { found.append(lua) }
        }
        return found
    }

    /// Starts reloading the registered pipelines' processors when their files
    /// (or the modules they require) change: `collector run --watch`. With
    /// `settings.shadow`, a change starts a shadow run instead (`ShadowWatch`).
    public func watchProcessors(quietPeriod: Duration = .milliseconds(50)) throws -> ProcessorWatcher {
        guard let shadow = settings.shadow else {
            return try ProcessorWatcher(processors: fileProcessors, quietPeriod: quietPeriod)
        }
        let live = LiveProcessors(bindings: self)
        let shadows = try ShadowWatch(settings: shadow, log: log) { await live.bindings.placements(of: $0) }
        shadowWatch = shadows
        return try ProcessorWatcher(processors: fileProcessors, quietPeriod: quietPeriod) { await shadows.saved($0) }
    }
}

/// The bindings, for finding where a processor runs from the watcher's task.
private struct LiveProcessors: @unchecked Sendable {
    // @unchecked: `placements(of:)` only reads what ScriptBindings guards with a lock.
    let bindings: ScriptBindings
}
