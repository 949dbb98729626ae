import Foundation
import Testing

/// `collector repl` on a terminal: what is typed, completed and remembered.
@Suite("collector repl on a terminal")
struct ReplTerminalTests {
    static func home() throws -> String {
        try PipelineRunTests.directory().path
    }

    /// Ctrl-D once the session has settled; the REPL ends with status 0.
    static func leave(_ terminal: PseudoTerminal, sourceLocation: SourceLocation = #_sourceLocation) {
        Thread.sleep(forTimeInterval: 0.3)
        terminal.type("\u{4}")
        #expect(terminal.waitForExit() == 0, sourceLocation: sourceLocation)
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
        Self.leave(terminal)
    }

    @Test func localsStayAndABareExitLeaves() throws {
        let home = try Self.home()
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: home)
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("local base = 40\n")
        try terminal.expect("> ")
        terminal.type("local function plus(v) return base + v end\n")
        try terminal.expect("> ")
        terminal.type("=plus(2)\n")
        try terminal.expect("42")
        terminal.type("_ * 10\n")
        try terminal.expect("420")
        try terminal.expect("> ")
        terminal.type("exit\n")
        #expect(terminal.waitForExit() == 0)
        #expect(Self.history(in: home).contains("exit\n"))
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
        terminal.type("type(p.ta\t")
        terminal.type(")\n")
        try terminal.expect("\"function\"", timeout: 10)  // p.tap, not p.ta (nil)
        try terminal.expect("> ")
        Self.leave(terminal)
    }

    /// Inside a connector's options table, Tab completes the options its schema lists.
    @Test func optionsOfAConnectorComplete() throws {
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: try Self.home())
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("g = source.generator { cou\t")
        try terminal.expect("nt")
        terminal.type(" = 2, se\t")
        try terminal.expect("ed")
        terminal.type(" = 7 }\n")
        try terminal.expect("> ")
        terminal.type("g:collect().data[1] ~= nil\n")
        try terminal.expect("true", timeout: 10)
        try terminal.expect("> ")
        Self.leave(terminal)
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
        Self.leave(first)
        second.type("\u{1B}[A\u{1B}[A")  // up twice: the line loaded from the old file
        try second.expect("old line")
        second.type("\u{15}")
        Self.leave(second)
        let lines = Self.history(in: home).split(separator: "\n").map(String.init)
        #expect(lines.first == "old line")
        #expect(lines.contains("from_first = 1") && lines.contains("from_second = 1"), "\(lines)")
    }

    @Test func theEditorFollowsAResizedTerminal() throws {
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: try Self.home())
        defer { terminal.close() }
        try terminal.expect("> ")
        // The terminal shrinks to 40 columns (the kernel tells the REPL with SIGWINCH).
        terminal.type("os.execute('stty cols 40 rows 30')\n")
        try terminal.expect("true\t\"exit\"\t0")
        try terminal.expect("> ")
        let long = "long_name_" + String(repeating: "x", count: 58) + " = 1"
        terminal.type(long)
        try terminal.expect("= 1")
        terminal.type("\u{1}")  // Ctrl-A: to the start of the line, a row up once it wrapped at 40
        try terminal.expect("\u{1B}[A")
        terminal.type("\u{15}")
        Self.leave(terminal)
    }

    @Test func aBackgroundLogLineIsPrintedAboveTheLineBeingTyped() throws {
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: try Self.home())
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type(#"p = pipeline "w" { from = source.generator { count = 3, rate = 2 }, process = { function(r) n = (n or 0) + 1 log.warn("background " .. n) return r end }, to = storage.null {} }"# + "\n")
        try terminal.expect("> ")
        terminal.type("p:start()\n")
        try terminal.expect("(running)")
        try terminal.expect("background 1")
        terminal.type("half typed")
        // The warning clears the row, and the prompt with the half-typed line comes back below it.
        try terminal.expect("background 3\r\n> half typed")
        terminal.type("\u{15}")
        Self.leave(terminal)
    }

    @Test func tablesFitTheTerminalsWidth() throws {
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: try Self.home())
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("os.execute('stty cols 160 rows 30')\n")
        try terminal.expect("> ")
        terminal.type("t = {} for i = 1, 20 do t[i] = i * 1000 end\n")
        try terminal.expect("> ")
        terminal.type("t\n")
        // 127 characters: one line at 160 columns (at 80 it would be one entry a line).
        try terminal.expect("{ 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000, 20000 }")
        Self.leave(terminal)
    }

    @Test func aLongHistoryIsTrimmedToItsLastThousandLines() throws {
        let home = try Self.home()
        let old = (1...2500).map { "line_\($0) = 1\n" }.joined()
        try old.write(toFile: home + "/.collector_history", atomically: true, encoding: .utf8)
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: home)
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("\u{1B}[A")  // up: the newest line of the file
        try terminal.expect("line_2500 = 1")
        terminal.type("\u{15}")
        Self.leave(terminal)
        let lines = Self.history(in: home).split(separator: "\n")
        #expect(lines.count == 1000)
        #expect(lines.first == "line_1501 = 1" && lines.last == "line_2500 = 1")
    }

    /// A paste comes in whole (the terminal's bracketed paste): its lines run
    /// as one entry, as if they were a file, and history recalls it whole.
    @Test func aPastedBlockRunsAsOneEntryAndIsRecalledWhole() throws {
        let home = try Self.home()
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: home)
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("\u{1B}[200~local a = 40\nlocal b = a + 1\nprint('sum', a + b + 1)\n\u{1B}[201~")
        try terminal.expect("sum\t82")
        try terminal.expect("> ")
        // An arrow key still moves (its escape is not a paste): up recalls the block, Enter runs it again.
        terminal.type("\u{1B}[A\n")
        try terminal.expect("sum\t82")
        try terminal.expect("> ")
        Self.leave(terminal)
        let history = Self.history(in: home)
        #expect(history.hasPrefix("local a = 40\u{1F}local b = a + 1\u{1F}print('sum', a + b + 1)\n"), "\(history.debugDescription)")
    }

    @Test func anEntryTypedOverSeveralLinesIsRecalledAsOne() throws {
        let home = try Self.home()
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: home)
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type("function add(x,\n")
        try terminal.expect(">> ")
        terminal.type("y) return x + y + 100 end\n")
        try terminal.expect("> ")
        terminal.type("add = nil\n")
        try terminal.expect("> ")
        // Up twice: the two-line definition, as one entry; Enter defines it again.
        terminal.type("\u{1B}[A\u{1B}[A\n")
        try terminal.expect("> ")
        terminal.type("add(1, 2)\n")
        try terminal.expect("103")
        Self.leave(terminal)
        let lines = Self.history(in: home).split(separator: "\n").map(String.init)
        #expect(lines.first == "function add(x,\u{1F}y) return x + y + 100 end", "\(lines)")
    }

    /// On a terminal `:doc` is laid out for it: no fences or backticks.
    @Test func docIsRenderedOnATerminal() throws {
        let terminal = try PseudoTerminal(Collector.executable, ["repl"], home: try Self.home())
        defer { terminal.close() }
        try terminal.expect("> ")
        terminal.type(":doc run\n")
        let shown = try terminal.text(until: "the REPL treats")
        #expect(shown.contains("Running:") && !shown.contains("```") && !shown.contains("`run()`"), "\(shown)")
        Self.leave(terminal)
    }
}
