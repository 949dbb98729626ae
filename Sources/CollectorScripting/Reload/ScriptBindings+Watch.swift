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
    /// (or the modules they require) change: `collector run --watch`.
    public func watchProcessors(quietPeriod: Duration = .milliseconds(50)) throws -> ProcessorWatcher {
        try ProcessorWatcher(processors: fileProcessors, quietPeriod: quietPeriod)
    }
}
