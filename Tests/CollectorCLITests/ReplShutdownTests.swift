import Foundation
import Testing

/// Leaving the REPL and breaking off a wait in it: Ctrl-C ends the blocking
/// call and touches no other pipeline; `os.exit()` and SIGTERM drain the
/// running pipelines as Ctrl-D does.
@Suite("collector repl: interrupts and leaving")
struct ReplShutdownTests {
    static func session() throws -> (PseudoTerminal, URL) {
        let dir = try PipelineRunTests.directory()
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: dir.path, directory: dir)
        try terminal.expect("> ")
        return (terminal, dir)
    }

    @Test func ctrlCEndsAWaitAndLeavesOtherPipelinesAlone() throws {
        let (terminal, _) = try Self.session()
        defer { terminal.close() }
        terminal.type("""
            fn = pipeline "fn" { from = source.generator { rate = 500 }, process = { function(r) local x = 0 for i = 1, 20000 do x = x + i end return r end }, to = storage.null {} }\n
            """)
        try terminal.expect("> ")
        terminal.type("fn:start()\n")
        try terminal.expect("> ")
        terminal.type("w = pipeline \"w\" { from = source.generator { rate = 10 }, to = storage.null {} }\n")
        try terminal.expect("> ")
        terminal.type("w:start()\n")
        try terminal.expect("> ")
        terminal.type("w:wait()\n")
        Thread.sleep(forTimeInterval: 1)
        terminal.interrupt()
        try terminal.expect("interrupted: pipeline \"w\" goes on running")
        try terminal.expect("> ")
        terminal.type("seen = #w:tap('output', 10000, '30s')\n")
        Thread.sleep(forTimeInterval: 0.5)
        terminal.interrupt()
        try terminal.expect("interrupted", timeout: 4)
        try terminal.expect("> ")
        terminal.type("print('FAILED=' .. fn:stats().failed, w.status)\n")
        try terminal.expect("FAILED=0\trunning")
        Thread.sleep(forTimeInterval: 0.3)
        terminal.type("\u{4}")
        #expect(terminal.waitForExit(timeout: 40) == 0)
    }

    @Test func osExitDrainsThePipelinesAndExitsWithItsStatus() throws {
        let (terminal, dir) = try Self.session()
        defer { terminal.close() }
        terminal.type("p = pipeline \"e\" { from = source.generator { rate = 200 }, to = storage.jsonl { path = \"exit.jsonl\" } }\n")
        try terminal.expect("> ")
        terminal.type("p:start() n = #p:tap('output', 50)\n")
        try terminal.expect("> ")
        terminal.type("print('OU' .. 'T=' .. p:stats().output) os.exit(4)\n")
        try terminal.expect("OUT=")
        try terminal.expect("pipeline e: ")
        #expect(terminal.waitForExit(timeout: 40) == 4)
        let stored = try PipelineRunTests.lines(dir.appendingPathComponent("exit.jsonl").path)
        #expect(stored.count >= 50)
    }

    @Test func osExitInAFunctionOfAPipelineEndsTheSessionToo() throws {
        let (terminal, dir) = try Self.session()
        defer { terminal.close() }
        terminal.type("""
            p = pipeline "x" { from = source.generator { rate = 100 }, process = { function(r) n = (n or 0) + 1 if n == 20 then os.exit(5) end return r end }, to = storage.jsonl { path = "x.jsonl" } }\n
            """)
        try terminal.expect("> ")
        // The function runs at the prompt, between keystrokes.
        terminal.type("p:start()\n")
        try terminal.expect("pipeline x: ")
        #expect(terminal.waitForExit(timeout: 40) == 5)
        let stored = try PipelineRunTests.lines(dir.appendingPathComponent("x.jsonl").path)
        #expect(stored.count >= 19)
    }

    @Test func sigtermDrainsThePipelinesAndExitsCleanly() throws {
        let (terminal, dir) = try Self.session()
        defer { terminal.close() }
        // The REPL's own process id, from /proc.
        // (Split so that the echo of the typed line does not match.)
        terminal.type("print('P' .. 'ID:' .. io.open('/proc/self/stat'):read('n') .. ':' .. 'END')\n")
        try terminal.expect("PID:")
        let pid = try #require(Int32(try terminal.text(until: ":END")))
        try terminal.expect("> ")
        terminal.type("p = pipeline \"t\" { from = source.generator { rate = 200 }, to = storage.jsonl { path = \"t.jsonl\" } }\n")
        try terminal.expect("> ")
        terminal.type("p:start() n = #p:tap('output', 50)\n")
        try terminal.expect("> ")
        kill(pid, SIGTERM)
        try terminal.expect("pipeline t: ")
        let summary = try terminal.text(until: " in")
        #expect(terminal.waitForExit(timeout: 40) == 0)
        let stored = try PipelineRunTests.lines(dir.appendingPathComponent("t.jsonl").path)
        #expect(stored.count >= 50 && stored.count >= Int(summary) ?? .max, "summary said \(summary) in")
    }

    /// Piped input (`collector repl < session.lua`, or a pipe that stays
    /// open): SIGTERM ends the wait for the next line, and the session drains.
    @Test func sigtermEndsAPipedSessionWaitingForInputAndDrains() throws {
        let dir = try PipelineRunTests.directory()
        let process = Process()
        process.executableURL = Collector.executable
        process.arguments = ["repl"]
        process.currentDirectoryURL = dir
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // The pipe stays open: the REPL waits for more input.
        input.fileHandleForWriting.write(Data("""
            p = pipeline "t" { from = source.generator { rate = 200 }, process = { function(r) return r end }, to = storage.jsonl { path = "t.jsonl" } }
            p:start()
            print("STARTED")

            """.utf8))
        let lines = dir.appendingPathComponent("t.jsonl").path
        let deadline = Date().addingTimeInterval(20)
        while ((try? PipelineRunTests.lines(lines).count) ?? 0) < 20 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGTERM)
        let ended = Date().addingTimeInterval(40)
        while process.isRunning && Date() < ended { Thread.sleep(forTimeInterval: 0.05) }
        let hung = process.isRunning
        if hung { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        #expect(!hung, "SIGTERM did not end the session")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(text)")
        #expect(text.contains("STARTED") && text.contains("pipeline t: "), "\(text)")
        let stored = try PipelineRunTests.lines(lines).count
        #expect(stored >= 20)
        #expect(text.contains("pipeline t: \(stored) in, \(stored) out"), "\(text)")
    }
}
