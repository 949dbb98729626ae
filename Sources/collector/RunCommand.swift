import CollectorMetricsServer
import CollectorPostgres
import CollectorConnectors
import CollectorScripting
import Collectors
import Foundation
import LuaRuntime

/// `collector run SCRIPT.lua [options] [ARGS...]`: runs a pipeline script —
/// its main chunk like `lua SCRIPT.lua ARGS...` would, then every pipeline
/// it registered — and `collector check SCRIPT.lua`, which builds everything
/// and runs nothing.
struct RunCommand {
    let arguments: [String]
    /// `collector check`: load the script and build its pipelines, start nothing.
    var checkOnly = false
    /// `collector replay`: the dead letters fed to a pipeline instead of its sources.
    var replay: DeadLetterReplay?
    /// `collector test --record`: a processor's next records written as a golden test file, then stop.
    var recording: GoldenRecording?

    static let help = """
        usage: collector run SCRIPT.lua [options] [ARGS...]
               collector check SCRIPT.lua [options]

        run: runs SCRIPT.lua with the full Lua standard library and the
        engine's API (see docs/lua-api.md); ARGS are in the table `arg`
        (arg[0] is the script). Pipelines the script registered run after its
        main chunk (or when it calls run()), concurrently, until their sources
        end. Ctrl-C or SIGTERM stops them gracefully (sources stop, records in
        flight are processed and stored, within --drain-timeout; what is left
        goes to the spool); a second Ctrl-C exits at once.
        While the script's own code runs, Ctrl-C interrupts it.
        SCRIPT.lua may be `-`: the script is read from standard input (then
        source.stdin reads nothing more; processor files are looked up in the
        working directory).

        check: loads the script and its processors and builds every pipeline
        without starting a source; prints the problems with file:line.

        options:
          --watch              reload the pipelines' processor files (and the modules they
                               require) when they change; see docs/hot-reload.md
          --shadow             with --watch: a saved processor runs beside the live one on
                               the same records (compared, never stored) instead of replacing
                               it; kill -USR1 PID promotes it; see docs/hot-reload.md
          --shadow-interval D  how often the shadow run's counts are logged (default 10s)
          --shadow-promote-after N  promote on its own once N records were compared, all the
                               same (a difference leaves it to you)
          --once               polling sources (http) collect once
          --workers N          Lua states per processor file (default: one per core)
          --quiet, -q          no status line; only warnings and errors are logged
                               (the summary lines are still printed)
          --set KEY=VALUE      a value for env("KEY"), over the environment
          --env-file FILE      KEY=VALUE lines for env(...), under the environment
          --log-level LEVEL    debug, info, warn or error (default: LOG_LEVEL, else info)
          --log-format FORMAT  human, logfmt or json (default: human on a terminal, else logfmt)
          --metrics ADDRESS    serve Prometheus /metrics, /health and /ready on [HOST:]PORT
                               (HOST defaults to 127.0.0.1; see docs/operations.md)
          --state-dir DIR      pipelines resume where the last run stopped: source positions
                               and processor state in DIR/SCRIPT.state.db (see docs/operations.md)
          --drain-timeout D    how long pipelines may drain once stopped (default 30s); past
                               it, records still being written go to the spool
          --cluster URL        share the script's sources with the other collectors run with the
                               same URL and script (PostgreSQL: postgresql://user:pw@host/db):
                               each source is collected by one of them at a time, under a lease
                               (see docs/scale-out.md; `cluster {}` in the script sets the lease
                               and the cluster's name; `collector cluster status URL` shows it)
          --stall-timeout D    /health answers 503 once a pipeline has had records waiting
                               with none moving on for D (default 5m): a stuck collector
          --                   the rest are the script's arguments

        exit status: 0 success (every record that left the processors was stored),
        1 a pipeline failed, records were not stored, or dead letters were lost, 2 usage or script error,
        3 records are left in the spool (a backend was down): the next run replays them
        """

    /// Where a usage error points: one line, not the whole help.
    static func helpHint(_ checkOnly: Bool) -> String {
        "collector \(checkOnly ? "check" : "run") --help for help"
    }

    func execute() -> Int32 {
        let options: RunOptions
        do {
            options = try RunOptions.parse(arguments)
        } catch {
            fail("\(checkOnly ? "check" : "run"): \(error) (\(Self.helpHint(checkOnly)))")
            return 2
        }
        if options.help {
            print(Self.help)
            return 0
        }
        guard let path = options.script else {
            fail("\(checkOnly ? "check" : "run"): missing script (\(Self.helpHint(checkOnly)))")
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
        let environment: ScriptEnvironment
        do {
            environment = try options.environment()
        } catch {
            fail("\(error)")
            return 2
        }
        let log = options.logSink()
        // A script's own error reads as Lua wrote it, unless a log format was asked for.
        let scriptProblem: (String) -> Void = options.logFormat == nil ? { fail($0) } : { log.log(.error, $0) }

        let lua: LuaState
        let bindings: ScriptBindings
        let exit = ScriptExit()
        do {
            lua = try LuaState(LuaOptions(libraries: .full, modulePaths: modulePaths(for: path)))
            var settings = ScriptBindings.Settings(
                workers: options.workers, once: options.once, checkOnly: checkOnly, watch: options.watch,
                drainTimeout: options.drainTimeout)
            settings.replay = replay
            settings.stateDirectory = options.stateDirectory
            settings.recording = recording
            if options.shadow {
                settings.shadow = ShadowWatch.Settings(
                    interval: options.shadowInterval ?? .seconds(10), promoteAfter: options.shadowPromoteAfter,
                    promoteHint: "kill -USR1 \(getpid())")
            }
            settings.clusterURL = options.clusterURL
            bindings = try ScriptBindings(
                installingIn: lua, scriptPath: path == "-" ? "./stdin" : path, environment: environment, log: log,
                settings: settings, connectors: BuiltinConnectors.all, spool: BuiltinConnectors.sqliteSpool,
                resume: BuiltinConnectors.resumeStore)
            bindings.clusterConnector = { [log] request in
                let cluster = try PostgresCluster(
                    options: ClusterOptions(url: request.url, name: request.name, lease: request.lease, member: request.member),
                    warn: { log.log(.warn, $0) })
                log.log(.info, "cluster '\(request.name)' at \(cluster.redactedURL) as \(cluster.options.member), lease \(request.lease)")
                return cluster
            }
            try setArguments(in: lua, script: path, arguments: options.scriptArguments)
            try exit.install(in: lua)
            exit.onExit = { [stopper = bindings.stopper] in stopper.stop() }
        } catch {
            fail("cannot start Lua: \(error)")
            return 1
        }
        var server: MetricsServer?
        if let address = options.metricsAddress, !checkOnly {
            do {
                let probe = ReadinessProbe(bindings: bindings)
                let stallTimeout = options.stallTimeout
                server = try MetricsServer(
                    address: try ListenAddress(parsing: address), registry: bindings.metrics,
                    readiness: { await probe.bindings.readiness() },
                    health: { probe.bindings.health(stallTimeout: stallTimeout) })
            } catch {
                scriptProblem("--metrics \(address): \(error)")
                return error.kind == .invalidAddress ? 2 : 1
            }
        }
        defer { server?.stop() }
        let signals = RunSignals(interrupt: lua.interruptHandle, bindings: bindings, promotes: options.shadow)
        defer { signals.cancel() }
        let status = StatusLine(bindings: bindings, enabled: !options.quiet && !checkOnly && isatty(2) != 0)
        defer { status.stop() }

        do {
            let chunk = try lua.load(stripShebang(source), name: path == "-" ? "=stdin" : "@\(path)")
            try lua.call(chunk)
            if !checkOnly { try bindings.runPendingPipelines() }
        } catch let error as LuaError {
            fflush(nil)  // Lua prints through C stdio
            status.stop()
            if exit.status == nil { scriptProblem(bindings.explain(error.description)) }
            // Pipelines the script started still store what they collected.
            for outcome in bindings.drainStarted() { Self.summary(outcome.summary, bindings) }
            fflush(nil)
            return exit.status ?? Self.exitStatus(for: error)
        } catch {
            fflush(nil)
            status.stop()
            scriptProblem("\(error)")
            for outcome in bindings.drainStarted() { Self.summary(outcome.summary, bindings) }
            fflush(nil)
            return error is ReplayChoiceError || error is GoldenRecording.Problem ? 2 : 1
        }
        fflush(nil)  // Lua prints through C stdio
        status.stop()
        bindings.stopWatching()
        if checkOnly {
            let names = bindings.pipelines.map(\.name)
            let listed = names.isEmpty ? "no pipeline" : "\(names.count) pipeline\(names.count == 1 ? "" : "s"): \(names.joined(separator: ", "))"
            print("\(path): ok (\(listed))")
            return 0
        }
        for outcome in bindings.outcomes { Self.summary(SecretRedactor.shared.redact(outcome.summary), bindings) }
        fflush(nil)
        if let recording, let problem = Self.report(recording, bindings.recordingOutcome()) {
            fail(problem)
            return 1
        }
        if let status = exit.status { return status }  // os.exit() in a function of the script
        return RunExitStatus.of(bindings.outcomes, log: log)
    }

    /// Says where `collector test --record` wrote its file; the problem when it wrote none.
    private static func report(_ recording: GoldenRecording, _ outcome: GoldenRecording.Outcome?) -> String? {
        switch outcome {
        case .written(let file, let count, let pipeline):
            let short =
                count < recording.count
                ? " (the pipeline ended before \(recording.count))"
                : count > recording.count ? " (\(recording.count) asked for, and those in flight when the pipelines stopped)" : ""
            print("recorded \(count) record\(count == 1 ? "" : "s") of processor \(recording.processor) (pipeline \(pipeline)) into \(file)\(short)")
            print("run them: collector test \(file)")
            return nil
        case .nothing(let pipeline):
            return "test: --record: processor \(recording.processor) received no record before pipeline \(pipeline) ended; nothing was written"
        case .failed(let message):
            return "test: \(message)"
        case nil:
            return "test: --record: no pipeline with processor \(recording.processor) was started; nothing was written"
        }
    }

    /// A pipeline's summary line: on standard output, or on standard error
    /// when a backend writes records to standard output (`storage.console`).
    private static func summary(_ line: String, _ bindings: ScriptBindings) {
        if bindings.standardOutputTaken {
            fflush(nil)  // what the script printed first
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            print(line)
        }
    }

    /// A mistake in the script (syntax, a bad option, an error it raised) is 2;
    /// the engine failing at something the script asked (a source that cannot connect) is 1.
    static func exitStatus(for error: LuaError) -> Int32 {
        switch error.kind {
        case .syntax, .runtime, .conversion, .misuse: return 2
        case .callback:
            if let info = error.underlyingError as? ErrorInfo, info.type != .configuration, info.type != .validation { return 1 }
            return 2
        case .memory, .limit, .interrupted: return 1
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

    private func setArguments(in lua: LuaState, script: String, arguments: [String]) throws {
        // `arg` has the script at index 0, so it is built in Lua from a plain list.
        let build = try lua.load(
            "local t = {} for i, v in ipairs({...}) do t[i - 1] = v end arg = t", name: "=arg")
        try lua.call(build, arguments: [script] + arguments)
    }

    /// A shebang line is not Lua; like `lua`, skip it (keeping line numbers).
    private func stripShebang(_ source: String) -> String {
        guard source.hasPrefix("#") else { return source }
        return "--" + source
    }
}

func fail(_ message: String) {
    FileHandle.standardError.write(Data("collector: \(SecretRedactor.shared.redact(message))\n".utf8))
}

/// The bindings, for the metrics server's `/ready`.
private struct ReadinessProbe: @unchecked Sendable {
    // @unchecked: `readiness()` only reads what ScriptBindings guards with a lock.
    let bindings: ScriptBindings
}
