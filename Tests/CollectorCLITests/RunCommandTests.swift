import Foundation
import Testing

/// Runs the real `collector` binary (built beside the test runner) as a user would.
struct Collector {
    static let executable: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // The runner may sit inside a bundle directory; walk up to the build folder.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("collector").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("collector")
    }()

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The proxy variables, which the tests' environment may hold: they
    /// are not passed on, so that a proxy set on the machine cannot take
    /// the tests' loopback traffic (a test sets them itself where it needs them).
    static let proxyVariables = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"].flatMap { [$0, $0.uppercased()] }

    /// Runs the collector (or `launcher`, given the collector's path and the arguments: `setpriv ...`),
    /// in this process's environment without proxy variables, plus `environment`.
    static func run(
        _ arguments: [String], input: String? = nil, interruptAfter: Duration? = nil,
        secondInterruptAfter: Duration? = nil, launcher: (executable: URL, arguments: [String])? = nil, directory: URL? = nil,
        environment: [String: String] = [:]
    ) throws -> Outcome {
        let process = Process()
        process.executableURL = launcher?.executable ?? executable
        process.arguments = launcher.map { $0.arguments + [executable.path] + arguments } ?? arguments
        if let directory { process.currentDirectoryURL = directory }
        var inherited = ProcessInfo.processInfo.environment
        for name in proxyVariables { inherited[name] = nil }
        process.environment = inherited.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        if let interruptAfter {
            Thread.sleep(forTimeInterval: Double(interruptAfter.components.seconds) + Double(interruptAfter.components.attoseconds) * 1e-18)
            kill(process.processIdentifier, SIGINT)
            if let again = secondInterruptAfter {
                Thread.sleep(forTimeInterval: Double(again.components.seconds) + Double(again.components.attoseconds) * 1e-18)
                kill(process.processIdentifier, SIGINT)
            }
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }

    static func script(_ source: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("collector-cli-\(UUID().uuidString).lua")
        try source.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

@Suite("collector run")
struct RunCommandTests {
    @Test func runsAScriptWithArguments() throws {
        let path = try Collector.script("#!/usr/bin/env collector\nprint('hi', arg[1], arg[2], math.type(1), math.type(1.0))")
        let outcome = try Collector.run(["run", path, "one", "two"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "hi\tone\ttwo\tinteger\tfloat\n")
    }

    @Test func anErrorInTheScriptExitsWithTwoAndATraceback() throws {
        let path = try Collector.script("local function f() error('boom') end\nf()")
        let outcome = try Collector.run(["run", path])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("\(path):1: boom"))
        #expect(outcome.stderr.contains("stack traceback:"))
    }

    @Test func anEngineFailureRaisedThroughTheScriptExitsWithOne() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("collector-gone-\(UUID().uuidString).jsonl").path
        _ = FileManager.default.createFile(atPath: data, contents: Data("{}\n".utf8))
        // The source's failure crosses a Lua function and a pcall that raises it again.
        let path = try Collector.script("""
            local s = source.file { path = "\(data)" }
            os.remove("\(data)")
            local function read() return s:collect() end
            local ok, e = pcall(read)
            print("caught: " .. tostring(e))
            error(e, 0)
            """)
        let outcome = try Collector.run(["run", path])
        #expect(outcome.status == 1, "the engine failed at what the script asked: \(outcome.stderr)")
        #expect(outcome.stdout.contains("caught: ") && outcome.stdout.contains(data), "\(outcome.stdout)")
        #expect(outcome.stderr.contains(data), "\(outcome.stderr)")
        // The script's own mistake is still 2.
        let mistake = try Collector.run(["run", try Collector.script("local ok, e = pcall(error, 'bad input') error(e, 0)")])
        #expect(mistake.status == 2, "\(mistake.stderr)")
    }

    @Test func aSyntaxErrorExitsWithTwo() throws {
        let path = try Collector.script("x = = 1")
        let outcome = try Collector.run(["run", path])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("\(path):1: unexpected symbol near '='"))
    }

    @Test func usageErrorsExitWithTwo() throws {
        #expect(try Collector.run([]).status == 2)
        #expect(try Collector.run(["frobnicate"]).status == 2)
        let missing = try Collector.run(["run"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "collector: run: missing script (collector run --help for help)\n", "one line, not the help")
        let unknown = try Collector.run(["run", "--frob", "x.lua"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "collector: run: unknown option '--frob' (collector run --help for help)\n")
        #expect(try Collector.run(["frobnicate"]).stderr == "collector: unknown command 'frobnicate' (collector --help for help)\n")
        let unreadable = try Collector.run(["run", "/nonexistent/script.lua"])
        #expect(unreadable.status == 2)
        #expect(unreadable.stderr.contains("cannot read /nonexistent/script.lua"))
    }

    @Test func helpAndVersion() throws {
        #expect(try Collector.run(["--help"]).stdout.contains("usage: collector"))
        #expect(try Collector.run(["run", "--help"]).stdout.contains("usage: collector run"))
        #expect(try Collector.run(["--version"]).stdout.hasPrefix("collector "))
    }

    @Test func helpOfACommandIsThatCommandsHelp() throws {
        for (topic, first) in [
            ("run", "usage: collector run"), ("check", "usage: collector run"), ("repl", "usage: collector repl"),
            ("test", "usage: collector test"), ("docs", "usage: collector docs"), ("help", "usage: collector <command>"),
            ("dev", "usage: collector dev"),
        ] {
            let outcome = try Collector.run(["help", topic])
            #expect(outcome.status == 0, "help \(topic): \(outcome.stderr)")
            #expect(outcome.stdout.hasPrefix(first), "help \(topic): \(outcome.stdout)")
            #expect(outcome.stdout == (try Collector.run([topic == "check" ? "run" : topic, "--help"])).stdout)
        }
        #expect(try Collector.run(["help", "-V"]).stdout.contains("Prints the version"))
        let unknown = try Collector.run(["help", "frob"])
        #expect(unknown.status == 2)
        #expect(unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("unknown command 'frob'"), "\(unknown.stderr)")
        #expect(unknown.stderr.split(separator: "\n").count == 1, "one line, not the whole help")
    }

    @Test func shortVersionFlagIsTheLongOne() throws {
        let short = try Collector.run(["-V"])
        #expect(short.status == 0)
        #expect(short.stdout.hasPrefix("collector "))
        #expect(short.stdout == (try Collector.run(["--version"])).stdout)
    }

    @Test func readsTheScriptFromStandardInput() throws {
        let outcome = try Collector.run(["run", "-"], input: "print(6 * 7)")
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "42\n")
    }

    /// `--quiet` keeps the result (the summary line) and drops the info lines.
    @Test func quietKeepsTheSummaryLineOnly() throws {
        let script = "pipeline 'q' { from = source.generator { count = 3 }, to = storage.null {} }\nlog.info('chatty')"
        let quiet = try Collector.run(["run", "--quiet", "-"], input: script)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout.hasPrefix("pipeline q: 3 in, 3 out"), "\(quiet.stdout)")
        #expect(!quiet.stderr.contains("chatty"), "\(quiet.stderr)")
        let loud = try Collector.run(["run", "-"], input: script)
        #expect(loud.stderr.contains("chatty"), "\(loud.stderr)")
    }

    @Test func ctrlCInterruptsARunningScript() throws {
        let path = try Collector.script("io.write('started\\n') io.flush() while true do end")
        let outcome = try Collector.run(["run", path], interruptAfter: .milliseconds(500))
        #expect(outcome.status == 1)
        #expect(outcome.stdout == "started\n")
        #expect(outcome.stderr.contains("interrupted"))
    }

    @Test func requireFindsModulesBesideTheScript() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("collector-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "return { greet = function(n) return 'hello ' .. n end }".write(
            to: directory.appendingPathComponent("greeter.lua"), atomically: true, encoding: .utf8)
        let main = directory.appendingPathComponent("main.lua")
        try "print(require('greeter').greet('world'))".write(to: main, atomically: true, encoding: .utf8)
        let outcome = try Collector.run(["run", main.path])
        #expect(outcome.stdout == "hello world\n", "\(outcome.stderr)")
    }
}
