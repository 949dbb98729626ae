import Foundation
import Testing

/// `collector repl` on a terminal: what is typed, completed and remembered.
@Suite("collector repl on a terminal")
struct ReplTerminalTests {
    static func home() throws -> String {
        try PipelineRunTests.directory().path
    }

    static func history(in home: String) -> String {
        (try? String(contentsOfFile: home + "/.collector_history", encoding: .utf8)) ?? ""
    }

    @Test func nonASCIITextIsTypedIntact() throws {
        // No locale in the environment (the C locale): the editor still takes UTF-8.
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: try Self.home())
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("x = \"naïve\"\n")
        try terminal.expect("> ")
        terminal.type("y = \"°C\"\n")
        try terminal.expect("> ")
        terminal.type("#x, x == \"na\\195\\175ve\", #y, y\n")
        try terminal.expect("6\ttrue\t3\t\"°C\"")
        Thread.sleep(forTimeInterval: 0.3)
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func engineObjectsMethodsComplete() throws {
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: try Self.home())
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("db = storage.memory {}\n")
        try terminal.expect("> ")
        terminal.type("db:qu\t")
        try terminal.expect("ery")
        terminal.type("('SELECT 1')\n")
        try terminal.expect("> ")
        terminal.type("p = pipeline \"c\" { from = source.generator { count = 1 }, to = db }\n")
        try terminal.expect("> ")
        terminal.type("p:ta\t")
        try terminal.expect("p:tap")
        terminal.type("\u{15}")  // Ctrl-U: drop the line
        Thread.sleep(forTimeInterval: 0.3)
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0)
    }

    @Test func eachLineIsInTheHistoryFileAsSoonAsItIsEntered() throws {
        let home = try Self.home()
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: home)
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("from_exit = 1\n")
        try terminal.expect("> ")
        #expect(Self.history(in: home).contains("from_exit = 1\n"), "written before the session ends")
        terminal.type("os.exit(3)\n")
        #expect(terminal.waitForExit() == 3)
        #expect(Self.history(in: home) == "from_exit = 1\nos.exit(3)\n")
    }

    @Test func sessionsAtOnceKeepEachOthersLines() throws {
        let home = try Self.home()
        // A history written by libedit's own format, as older versions left it.
        try "_HiStOrY_V2_\nold\\040line\n".write(toFile: home + "/.collector_history", atomically: true, encoding: .utf8)
        let first = try PseudoTerminal(Collector.executable, ["repl"], home: home)
        defer { first.close() }
        let second = try PseudoTerminal(Collector.executable, ["repl"], home: home)
        defer { second.close() }
        try first.expect("> ")
        try second.expect("> ")
        first.type("from_first = 1\n")
        try first.expect("> ")
        second.type("from_second = 1\n")
        try second.expect("> ")
        Thread.sleep(forTimeInterval: 0.3)
        first.type("\u{4}")
        #expect(first.waitForExit() == 0)
        second.type("\u{1B}[A\u{1B}[A")  // up twice: the line loaded from the old file
        try second.expect("old line")
        second.type("\u{15}")
        Thread.sleep(forTimeInterval: 0.3)
        second.type("\u{4}")
        #expect(second.waitForExit() == 0)
        let lines = Self.history(in: home).split(separator: "\n").map(String.init)
        #expect(lines.first == "old line")
        #expect(lines.contains("from_first = 1") && lines.contains("from_second = 1"), "\(lines)")
    }
}
