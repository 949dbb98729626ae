import CollectorScripting
import Foundation
import LuaRuntime

/// `collector run SCRIPT.lua [ARGS...]`: runs a script the way `lua SCRIPT.lua ARGS...` would,
/// with `arg` set, Ctrl-C interrupting the script, and errors reported with a traceback.
struct RunCommand {
    let arguments: [String]
    /// `--watch`: reload the pipelines' Lua processors when their files change.
    var watch = false

    static let help = """
        usage: collector run SCRIPT.lua [ARGS...]

        Runs SCRIPT.lua with the full Lua standard library and the engine's
        API (source, storage, processor, pipeline; see docs/lua-api.md). ARGS
        are in the global table `arg` (arg[0] is the script). Ctrl-C
        interrupts the script. When the script has registered pipelines, they
        run after it, concurrently, until their sources end; SIGINT or SIGTERM
        stops them gracefully (drain, flush; a second Ctrl-C exits at once).
        One summary line per pipeline is printed at the end.

        --watch before SCRIPT reloads the pipelines' processors when their
        files (or the modules they require) change; see docs/hot-reload.md.
        """

    func execute() -> Int32 {
        if arguments.first == "--watch" {
            return RunCommand(arguments: Array(arguments.dropFirst()), watch: true).execute()
        }
        guard let path = arguments.first, !path.hasPrefix("-") || path == "-" else {
            if arguments.first == "-h" || arguments.first == "--help" {
                print(Self.help)
                return 0
            }
            fail("run: missing script\n\n\(Self.help)")
            return 2
        }
        let source: String
        do {
            let data = path == "-"
                ? FileHandle.standardInput.readDataToEndOfFile()
                : try Data(contentsOf: URL(fileURLWithPath: path))
            source = String(decoding: data, as: UTF8.self)
        } catch {
            fail("cannot read \(path): \(error.localizedDescription)")
            return 2
        }

        do {
            let lua = try LuaState(LuaOptions(libraries: .full, modulePaths: modulePaths(for: path)))
            let bindings = try ScriptBindings(installingIn: lua, scriptPath: path == "-" ? "./stdin" : path)
            let interrupts = InterruptForwarder(lua.interruptHandle)
            try setArguments(in: lua, script: path)
            do {
                defer { interrupts.cancel() }
                let chunk = try lua.load(stripShebang(source), name: path == "-" ? "=stdin" : "@\(path)")
                try lua.call(chunk)
            }
            fflush(nil)  // Lua prints through C stdio
            guard !bindings.pipelines.isEmpty else { return 0 }
            let watcher = watch ? try bindings.watchProcessors() : nil
            defer { watcher?.stop() }
            let stopper = PipelineStopper()
            let signals = PipelineSignals(stopper)
            defer { signals.cancel() }
            let (lines, ok) = try bindings.runPipelines(stop: stopper)
            for line in lines { print(line) }
            fflush(nil)
            return ok ? 0 : 1
        } catch let error as LuaError {
            fflush(nil)  // Lua prints through C stdio
            fail(error.description)
            return error.kind == .syntax ? 2 : 1
        } catch {
            fail("\(error)")
            return 1
        }
    }

    /// `require` looks beside the script first, then in the working directory.
    private func modulePaths(for script: String) -> [String] {
        var base = "."
        if let slash = script.lastIndex(of: "/") {
            base = slash == script.startIndex ? "/" : String(script[..<slash])
        }
        return ["\(base)/?.lua", "\(base)/?/init.lua", "./?.lua", "./?/init.lua"]
    }

    private func setArguments(in lua: LuaState, script: String) throws {
        // `arg` has the script at index 0, so it is built in Lua from a plain list.
        let build = try lua.load(
            "local t = {} for i, v in ipairs({...}) do t[i - 1] = v end arg = t", name: "=arg")
        try lua.call(build, arguments: [script] + arguments.dropFirst())
    }

    /// A shebang line is not Lua; like `lua`, skip it (keeping line numbers).
    private func stripShebang(_ source: String) -> String {
        guard source.hasPrefix("#") else { return source }
        return "--" + source
    }
}

func fail(_ message: String) {
    FileHandle.standardError.write(Data("collector: \(message)\n".utf8))
}
