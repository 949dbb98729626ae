import CollectorScripting
import LuaRuntime
import Testing

/// Events and functions of the script from the first moment of a pipeline:
/// a pipeline starts before the script's thread waits for it, and what it
/// does meanwhile must wait for that thread, not be refused. Nested in the
/// bindings suite to be serialized with it (see EmbedderConstructorTests).
extension BindingsTests {
    @Suite("events from the start of a run")
    struct EventDeliveryTests {
        @Test func everyEventOfEveryRunReachesItsHandler() throws {
            // Each run in a state of its own: the first events of a run came
            // before the script's thread waited, and were lost, most times.
            for _ in 0..<10 {
                let (lua, _) = try BindingsTests.state()
                let values = try lua.run("""
                    local counts, stored = {}, {}
                    on("*", function(e) counts[e.type] = (counts[e.type] or 0) + 1 end)
                    on("storage_complete", function(e)
                      stored[e.data.pipeline] = (stored[e.data.pipeline] or 0) + e.data.count
                    end)
                    pipeline "a" { from = source.generator { count = 30, batch = 10 }, to = storage.null {} }
                    pipeline "b" { from = source.generator { count = 50, batch = 10 }, to = storage.null {} }
                    run()
                    return counts.pipeline_started, counts.collection_started, counts.collection_complete,
                      counts.pipeline_stopped, stored.a, stored.b
                    """)
                #expect(values.map(\.integerValue) == [2, 2, 8, 2, 30, 50])
            }
        }

        @Test func functionsOfTheScriptRunForEveryPipelineStartedTogether() throws {
            for _ in 0..<5 {
                let (lua, _) = try BindingsTests.state()
                let values = try lua.run("""
                    local seen = 0
                    local function count(r) seen = seen + 1 return r end
                    pipeline "a" { from = source.generator { count = 20 }, process = { count }, to = storage.null {} }
                    pipeline "b" { from = source.generator { count = 400, rate = 20000 }, process = { count }, to = storage.null {} }
                    local reports = run()
                    return seen, reports.a.failed + reports.b.failed
                    """)
                #expect(values.map(\.integerValue) == [420, 0])
            }
        }
    }
}
