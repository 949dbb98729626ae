import Foundation
import Testing

@Suite("collector repl")
struct ReplCommandTests {
    @Test func pipedInputRunsWithoutPrompts() throws {
        let input = """
            x = 21
            x * 2
            function twice(v)
              return v * 2
            end
            twice(4), {1, {a = null}}
            :help
            error('boom')
            'still here'
            """
        let outcome = try Collector.run(["repl"], input: input + "\n")
        #expect(outcome.stdout.hasPrefix("42\n8\t{ 1, { a = null } }\nType Lua"), "\(outcome.stdout)")
        #expect(outcome.stdout.hasSuffix("\"still here\"\n"))
        #expect(!outcome.stdout.contains("> "))
        #expect(outcome.stderr.contains("stdin:8: boom"), "the line of the input: \(outcome.stderr)")
        #expect(!outcome.stderr.contains("\u{1B}["))  // no colours without a terminal
        #expect(outcome.status == 1)  // something failed
    }

    @Test func aScriptRunsFirstAndItsGlobalsStay() throws {
        let path = try Collector.script("greeting = 'hello'\nfunction shout(s) return s:upper() end")
        let outcome = try Collector.run(["repl", path], input: "shout(greeting)\n")
        #expect(outcome.stdout == "\"HELLO\"\n")
        #expect(outcome.status == 0)
    }

    @Test func theLiveEngineRunsAPipelineInTheBackgroundWhileTyping() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("repl-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let first = dir.appendingPathComponent("stamp.lua").path
        let second = dir.appendingPathComponent("stamp2.lua").path
        try "return function(r) r.version = 1 return r end".write(toFile: first, atomically: true, encoding: .utf8)
        try "return function(r) r.version = 2 return r end".write(toFile: second, atomically: true, encoding: .utf8)
        let input = """
            src = source.generator { count = 3 }
            #src:collect().data
            p = pipeline "live" { from = source.generator { rate = 400 }, process = { processor.file("\(first)", { name = "stamp" }), function(r) r.fn = true return r end }, to = storage.null {} }
            p:start()
            seen = p:tap("after stamp", 3)
            #seen, seen[1].version, seen[1].fn
            out = p:tap("output", 1)
            out[1].version, out[1].fn
            p:replace("stamp", processor.file("\(second)", { name = "stamp" }))
            for _ = 1, 200 do later = p:tap("output", 1) if later[1].version == 2 then break end end
            later[1].version
            s = p:stats()
            s.status, s.input > 0
            p:stop()
            r = p:wait()
            r.status, r.input == r.output + r.dropped + r.failed
            :doc source.generator
            """
        let outcome = try Collector.run(["repl"], input: input + "\n")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "3", "a source can be poked at: \(outcome.stdout)")
        #expect(lines.contains("3\t1\tnil"), "a tap after the first processor sees its output only: \(outcome.stdout)")
        #expect(lines.contains("1\ttrue"), "the script's own function ran on the REPL's thread: \(outcome.stdout)")
        #expect(lines.contains("2"), "the swapped processor took over: \(outcome.stdout)")
        #expect(lines.contains("\"running\"\ttrue"))
        #expect(lines.contains("\"cancelled\"\ttrue"), "stopped gracefully, every record accounted for: \(outcome.stdout)")
        // :doc of a connector is made from its schema.
        #expect(outcome.stdout.contains("source.generator{}: The canonical workload's sensor readings"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("\n  `count` (integer, 0 or more, default endless): records in all\n"), "\(outcome.stdout)")
        #expect(outcome.status == 0, "\(outcome.stderr)")
    }

    @Test func codePastedFromAFileKeepsItsLocals() throws {
        let input = """
            local json_lines = {}
            local function add(line)
              json_lines[#json_lines + 1] = line
              return #json_lines
            end
            local limit <const> = 2
            add("a"), add("b")
            #json_lines <= limit
            =json_lines[2]
            _ .. "!"
            limit = 3
            exit
            print("after exit")

            """
        let outcome = try Collector.run(["repl"], input: input)
        #expect(outcome.stdout == "1\t2\ntrue\n\"b\"\n\"b!\"\n", "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("stdin:11: attempt to assign to const variable 'limit'"), "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("after exit"))
        #expect(outcome.status == 1, "the assignment to a constant failed")
        let quit = try Collector.run(["repl"], input: "x = 1\nquit\nerror('not reached')\n")
        #expect(quit.status == 0, "\(quit.stderr)")
        #expect(quit.stderr.isEmpty)
    }

    @Test func unfinishedInputAtTheEndIsAnError() throws {
        let outcome = try Collector.run(["repl"], input: "for i = 1, 2 do\n")
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("unexpected end of input"))
        let later = try Collector.run(["repl"], input: "x = 1\n\nif x then\n  print(x)\n")
        #expect(later.stderr.contains("stdin:4: unexpected end of input (the statement begun on line 3 is unfinished)"), "\(later.stderr)")
    }

    @Test func onATerminalItPromptsEditsAndSurvivesCtrlC() throws {
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: FileManager.default.temporaryDirectory.path)
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("1 + 1\n")
        try terminal.expect("2\r\n> ")
        terminal.type("for i = 1, 2 do\n")
        try terminal.expect(">> ")
        terminal.type("print(i) end\n")
        try terminal.expect("1\r\n2\r\n> ")
        terminal.type("while true do end\n")
        Thread.sleep(forTimeInterval: 0.3)
        terminal.interrupt()  // what Ctrl-C sends
        try terminal.expect("interrupted")
        try terminal.expect("> ")
        terminal.type("string.fo\t")
        try terminal.expect("rmat")  // libedit redraws the completed word in place
        terminal.type("('%d', 7)\n")
        try terminal.expect("\"7\"\r\n> ")
        terminal.type("half typed")
        Thread.sleep(forTimeInterval: 0.2)
        terminal.interrupt()
        Thread.sleep(forTimeInterval: 0.2)
        terminal.type("3 * 3\n")
        try terminal.expect("9\r\n> ")
        // Let libedit switch the terminal to raw mode first: a Ctrl-D typed
        // ahead, while the line discipline is still canonical, is swallowed.
        Thread.sleep(forTimeInterval: 0.3)
        terminal.type("\u{4}")  // Ctrl-D
        #expect(terminal.waitForExit() == 0)
    }
}

/// A child process on a real pseudo-terminal (made by util-linux `script`,
/// which gives the child a session and a controlling terminal, as a login
/// does), driven like a person would: Ctrl-C is the byte 0x03, turned into
/// SIGINT by the terminal's line discipline.
final class PseudoTerminal {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var transcript = ""
    /// What the last `expect` passed over before its match.
    private var consumed = ""

    init(_ executable: URL, _ arguments: [String], home: String, directory: URL? = nil) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        if let directory { process.currentDirectoryURL = directory }
        let command = "exec " + ([executable.path] + arguments).joined(separator: " ")
        process.arguments = ["-q", "-f", "-e", "-c", command, "/dev/null"]
        process.environment = ["HOME": home, "TERM": "xterm", "PATH": "/usr/bin:/bin"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    func type(_ text: String) {
        input.fileHandleForWriting.write(Data(text.utf8))
    }

    /// Ctrl-C.
    func interrupt() {
        type("\u{3}")
    }

    /// Reads until `text` appears in the output (a hang guard of 10 s, not a speed check).
    func expect(_ text: String, timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        let descriptor = output.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !transcript.contains(text) {
            guard Date() < deadline else {
                throw ExpectationFailure(message: "expected \(text.debugDescription) in \(transcript.debugDescription)")
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { continue }
            transcript += String(decoding: buffer[..<count], as: UTF8.self)
        }
        // Consume through the match so the next expectation looks at new output.
        if let range = transcript.range(of: text) {
            consumed = String(transcript[..<range.lowerBound])
            transcript = String(transcript[range.upperBound...])
        }
    }

    /// The output up to `marker` (which must come within 10 s), consumed with it.
    func text(until marker: String) throws -> String {
        try expect(marker)
        return consumed
    }

    /// The exit status, or nil if the process did not exit within 10 s (then it is killed).
    func waitForExit(timeout: TimeInterval = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !process.isRunning else {
            process.terminate()
            return nil
        }
        return process.terminationStatus
    }

    func close() {
        if process.isRunning { process.terminate() }
    }

    struct ExpectationFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
