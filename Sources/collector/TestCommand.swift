import CollectorScripting
import Foundation

/// `collector test [options] PATH...`: runs the tests of Lua processors (see docs/testing.md).
struct TestCommand {
    let arguments: [String]

    static let help = """
        usage: collector test [options] PATH...
               collector test --record NAME SCRIPT.lua [--count N] [--out FILE] [--overwrite] [run options] [ARGS...]

        Runs the tests of Lua processors. A processor module (FILE.lua) runs
        the inline tests of its `tests` table; a test file (NAME_test.lua)
        runs its test(name, fn) calls; a directory runs every *_test.lua file
        below it. Prints each test's name with ok or FAIL, its time, and what
        differed, then a summary line.

        options:
          --filter TEXT        run only the tests whose name contains TEXT (a
                               module's inline tests all run, as each may need
                               the state the ones before left; only those are shown)
          --color WHEN         auto (the default: on a terminal, unless NO_COLOR
                               is set or TERM=dumb), always or never
          --watch              run the tests again each time a Lua file beside
                               them is saved (Ctrl-C ends)

        Recording golden tests from live traffic (see docs/testing.md):
          --record NAME        run SCRIPT.lua as `collector run` does until processor
                               NAME (a processor.file module) has received N records,
                               write them, with what it made of each, as a test file,
                               then stop the pipelines gracefully
          --count N            how many records (default 50)
          --out FILE           the test file (default: NAME_test.lua beside the module)
          --overwrite          write over a test file that exists

        Exit status: 0 when every test passed, 1 when a test failed, 2 for a
        usage error or a file that did not load (with --watch, the last run's).
        """

    struct Options {
        var paths: [String] = []
        var filter: String?
        var color = "auto"
        var watch = false
    }

    /// The options, or a usage error's message.
    static func parse(_ arguments: [String]) -> Result<Options, UsageError> {
        var options = Options()
        var index = 0
        func value(_ name: String) -> String? {
            index += 1
            return index < arguments.count ? arguments[index] : nil
        }
        while index < arguments.count {
            let argument = arguments[index]
            // `--name=value` reads as `--name value`.
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                let name = String(argument[..<equals])
                let rest = String(argument[argument.index(after: equals)...])
                return parse(Array(arguments[..<index]) + [name, rest] + Array(arguments[(index + 1)...]))
            }
            switch argument {
            case "--filter":
                guard let text = value(argument), !text.isEmpty else { return .failure(UsageError("--filter needs the text test names must contain")) }
                options.filter = text
            case "--color", "--colour":
                guard let when = value(argument), ["auto", "always", "never"].contains(when) else {
                    return .failure(UsageError("--color takes auto, always or never"))
                }
                options.color = when
            case "--watch":
                options.watch = true
            default:
                if argument.hasPrefix("-") && argument != "-" {
                    return .failure(UsageError("unknown option '\(argument)'"))
                }
                options.paths.append(argument)
            }
            index += 1
        }
        guard !options.paths.isEmpty else { return .failure(UsageError("no file or directory given (usage: collector test [options] PATH...)")) }
        return .success(options)
    }

    struct UsageError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    func execute() -> Int32 {
        if arguments.contains("--record") || arguments.contains(where: { $0.hasPrefix("--record=") }) {
            return RecordCommand(arguments: arguments).execute()
        }
        if arguments.contains("-h") || arguments.contains("--help") {
            print(Self.help)
            return 0
        }
        let options: Options
        switch Self.parse(arguments) {
        case .success(let parsed): options = parsed
        case .failure(let error):
            fail("test: \(error.message) (collector test --help for help)")
            return 2
        }
        let environment = ProcessInfo.processInfo.environment
        let colors =
            switch options.color {
            case "always": true
            case "never": false
            default: isatty(1) != 0 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
            }
        let style = ProcessorTestReport.Style(colors: colors, timings: true)
        let runner = ProcessorTestRunner(filter: options.filter)
        guard options.watch else { return run(runner, options.paths, style) }
        // Ctrl-C and SIGTERM end the watch as they end any command, even when
        // the parent started this process with them blocked.
        var ending = sigset_t()
        sigemptyset(&ending)
        sigaddset(&ending, SIGINT)
        sigaddset(&ending, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &ending, nil)
        let watcher: ProcessorTestWatcher
        do {
            watcher = try ProcessorTestWatcher(paths: options.paths)
        } catch {
            fail("test: --watch: \(error)")
            return 2
        }
        while true {
            _ = run(runner, options.paths, style)
            print("\nwatching for changes (Ctrl-C ends)")
            fflush(nil)
            let changed = watcher.waitForChange()
            let names = changed.sorted().map { ($0 as NSString).lastPathComponent }
            print("\n\(names.joined(separator: ", ")) changed: running the tests again\n")
        }
    }

    private func run(_ runner: ProcessorTestRunner, _ paths: [String], _ style: ProcessorTestReport.Style) -> Int32 {
        do {
            let report = try runner.run(paths: paths)
            for line in report.lines(style: style) { print(line) }
            fflush(nil)
            return report.exitStatus
        } catch {
            fail("test: \(error)")
            return 2
        }
    }
}
