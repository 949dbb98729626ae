import Foundation
import Testing

/// `collector completion SHELL` and `collector man`, made from the commands'
/// help: each shell reads its script, completions come out of it, and the
/// man page formats without a warning and lists what `--help` lists.
@Suite("collector completion and man")
struct CompletionAndManTests {
    /// Runs `shell` with `arguments`, and what it printed.
    static func shell(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func script(_ shell: String) throws -> String {
        let outcome = try Collector.run(["completion", shell])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("collector-completion-\(UUID().uuidString).\(shell)").path
        try outcome.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What bash's completion offers for the words typed (the last one being completed).
    static func bashCompletes(_ words: [String], with script: String) throws -> [String] {
        let array = words.map { "'\($0)'" }.joined(separator: " ")
        let outcome = try shell("/bin/bash", ["-c", "source '\(script)'; COMP_WORDS=(\(array)); COMP_CWORD=\(words.count - 1); _collector; printf '%s\\n' \"${COMPREPLY[@]}\""])
        #expect(outcome.status == 0, "\(outcome.output)")
        return outcome.output.split(separator: "\n").map(String.init)
    }

    @Test func bashCompletesCommandsOptionsAndValues() throws {
        let script = try Self.script("bash")
        #expect(try Self.shell("/bin/bash", ["-n", script]).status == 0)
        #expect(try Self.bashCompletes(["collector", "t"], with: script) == ["test"])
        #expect(try Self.bashCompletes(["collector", "run", "--lo"], with: script) == ["--log-level", "--log-format"])
        #expect(try Self.bashCompletes(["collector", "run", "--log-level", "w"], with: script) == ["warn"])
        #expect(try Self.bashCompletes(["collector", "test", "--color", ""], with: script) == ["auto", "always", "never"])
        #expect(try Self.bashCompletes(["collector", "completion", "z"], with: script) == ["zsh"])
        // Options `collector replay` takes from `run`, but not --watch.
        let replay = try Self.bashCompletes(["collector", "replay", "--"], with: script)
        #expect(replay.contains("--pipeline") && replay.contains("--drain-timeout") && !replay.contains("--watch"), "\(replay)")
    }

    @Test func zshAndFishReadTheirScripts() throws {
        for (shell, check) in [("/usr/bin/zsh", ["-n"]), ("/usr/bin/fish", ["--no-execute"])] {
            let script = try Self.script((shell as NSString).lastPathComponent)
            let outcome = try Self.shell(shell, check + [script])
            #expect(outcome.status == 0, "\(shell): \(outcome.output)")
        }
        let fish = try Self.shell(
            "/usr/bin/fish", ["-c", "source \(try Self.script("fish")); complete -C 'collector run --log-l'"])
        #expect(fish.output.hasPrefix("--log-level"), "\(fish.output)")
        let zsh = try Collector.run(["completion", "zsh"]).stdout
        #expect(zsh.hasPrefix("#compdef collector") && zsh.contains("'--log-level[debug, info, warn or error (default  LOG_LEVEL, else info)]:LEVEL:(debug info warn error)'"), "\(zsh)")
        let unknown = try Collector.run(["completion", "tcsh"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown shell 'tcsh'; shells are: bash, zsh, fish"))
    }

    @Test func theManPageFormatsCleanlyAndListsEveryOption() throws {
        let page = try Collector.run(["man"])
        #expect(page.status == 0 && page.stdout.hasPrefix(".TH COLLECTOR 1"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("collector-\(UUID().uuidString).1").path
        try page.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        let formatted = try Self.shell("/usr/bin/groff", ["-man", "-Tutf8", "-ww", "-z", path])
        #expect(formatted.status == 0 && formatted.output.isEmpty, "groff: \(formatted.output)")
        let text = try Self.shell("/usr/bin/groff", ["-man", "-Tascii", "-P", "-cbou", path]).output
        for option in ["--drain-timeout", "--stall-timeout", "--memory", "--filter", "--pipeline", "--update"] {
            #expect(text.contains(option), "the man page lacks \(option)")
        }
        for form in ["replay DEAD.jsonl SCRIPT.lua", "collector completion SHELL", "collector test [options] PATH..."] {
            #expect(text.contains(form), "the man page lacks \(form)")
        }
    }
}
