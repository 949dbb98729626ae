import Foundation
import Testing

/// Objects of a script used by more than one pipeline, end to end.
@Suite("collector run: shared objects")
struct SharedObjectsRunTests {
    @Test(arguments: ["check", "run"])
    func aSourceGivenToTwoPipelinesIsRefusedAtTheSecond(command: String) throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            local s = source.generator { count = 10 }
            pipeline "a" { from = s, to = storage.memory {} }
            pipeline "b" { from = s, to = storage.memory {} }
            """, "main.lua", in: dir)
        let outcome = try StuckRunTests.bounded([command, script], in: dir)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("main.lua:3: pipeline \"b\": the source 'generator-1' already feeds pipeline \"a\""), "\(outcome.stderr)")
    }

    @Test func aBackendSharedByTwoPipelinesStoresBoth() throws {
        let dir = try PipelineRunTests.directory()
        let script = try PipelineRunTests.write("""
            local db = storage.sqlite { path = "share.db" }
            pipeline "a" { from = source.generator { count = 300 }, to = db }
            pipeline "b" { from = source.generator { count = 300, rate = 2000 }, to = db }
            local r = run()
            print("COUNT", db:count(), r.a.status, r.b.status)
            """, "main.lua", in: dir)
        let outcome = try StuckRunTests.bounded(["run", "--drain-timeout", "5s", script], in: dir)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("COUNT\t600\tcompleted\tcompleted"), "\(outcome.stdout)")
        #expect(!outcome.stderr.contains("not connected"), "\(outcome.stderr)")
    }
}
