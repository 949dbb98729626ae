import Foundation
import Testing

/// `collector run` on a terminal: the status line and log lines share standard error.
@Suite("collector run on a terminal")
struct RunTerminalTests {
    @Test func aLogLineNeverRunsIntoTheStatusLine() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            local n = 0
            pipeline "s" {
              from = source.generator { count = 400, rate = 200 },
              process = { function(r) n = n + 1 if n % 100 == 0 and n >= 200 then log.warn("at record " .. n) end return r end },
              to = storage.null {},
            }
            """, "status.lua", in: dir)
        let terminal = try PseudoTerminal(Collector.executable, ["run", script], home: dir.path)
        defer { terminal.close() }
        var sawStatus = false
        for record in [200, 300, 400] {
            let before = try terminal.text(until: "at record \(record)")
            sawStatus = sawStatus || before.contains(" in, ")
            // What stays on screen before the warning's time stamp is nothing: the status was cleared first.
            let line = before.components(separatedBy: "\n").last ?? before
            let visible = (line.components(separatedBy: "\r").last ?? line).replacingOccurrences(of: "\u{1B}[K", with: "")
            #expect(visible.range(of: #"^\d\d:\d\d:\d\d\.\d{3} "#, options: .regularExpression) != nil,
                "the warning starts its own line: \(line.debugDescription)")
        }
        #expect(sawStatus, "the status line showed between the warnings")
        #expect(terminal.waitForExit(timeout: 30) == 0)
    }
}
