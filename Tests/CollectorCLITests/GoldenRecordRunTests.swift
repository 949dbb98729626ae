import Foundation
import Testing

/// `p:record` in a script run by `collector run`, then `collector test` on
/// the file it wrote: it passes; after a change to the processor, it fails
/// with the field that differs.
@Suite("golden tests recorded by collector run")
struct GoldenRecordRunTests {
    static let processor = """
        local M = {}
        function M.process(r)
          if r.value < 0 then return nil end
          r.f = r.value * 1.8 + 32
          return r
        end
        return M
        """

    @Test func theRecordedFilePassesThenFailsOnAChange() throws {
        let folder = try TestCommandTests.folder()
        let module = try TestCommandTests.write(Self.processor, "processors/readings.lua", in: folder)
        let script = try TestCommandTests.write("""
            local n = 0
            local p = pipeline "live" {
              from = source.generator { rate = 500 },
              process = {
                function(r) n = n + 1; return { id = n, value = (n % 3 == 0) and -1 or n * 10 } end,
                processor.file "processors/readings.lua",
              },
              to = storage.memory {},
            }
            p:start()
            local path, count = p:record("readings", 6)
            print(path, count)
            p:stop()
            """, "main.lua", in: folder)
        let recorded = try Collector.run(["run", script], directory: folder)
        #expect(recorded.status == 0, "\(recorded.stdout)\(recorded.stderr)")
        #expect(recorded.stdout.contains("processors/readings_test.lua\t6"), "\(recorded.stdout)")
        let testFile = folder.appendingPathComponent("processors/readings_test.lua").path

        let passing = try Collector.run(["test", testFile])
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")
        #expect(passing.stdout.contains("6 tests in 1 file: 6 passed, 0 failed"), "\(passing.stdout)")

        try Self.processor.replacingOccurrences(of: "r.value * 1.8 + 32", with: "r.value * 2 + 32")
            .write(toFile: module, atomically: true, encoding: .utf8)
        let failing = try Collector.run(["test", testFile])
        #expect(failing.status == 1, "\(failing.stdout)\(failing.stderr)")
        #expect(failing.stdout.contains("[1].f: expected "), "\(failing.stdout)")
        #expect(failing.stdout.contains("(dropped)"), "\(failing.stdout)")
    }
}
