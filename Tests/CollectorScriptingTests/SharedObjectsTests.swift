import CollectorScripting
import LuaRuntime
import Testing

/// One object of the script used by several users: a backend is shared (it
/// stays connected while any user holds it), a source is not (it feeds one
/// pipeline). Nested in the bindings suite to be serialized with it.
extension BindingsTests {
    @Suite("shared objects")
    struct SharedObjectsTests {
        @Test func aBackendSharedByTwoPipelinesStoresBothWhicheverEndsFirst() throws {
            let dir = try BindingsTests.temporaryDirectory()
            let (lua, _) = try BindingsTests.state()
            let values = try lua.run("""
                local db = storage.sqlite { path = "\(dir.path)/shared.db" }
                pipeline "a" { from = source.generator { count = 200 }, to = db }
                pipeline "b" { from = source.generator { count = 300, rate = 3000 }, to = db }
                local r = run()
                return r.a.stored[db.id], r.b.stored[db.id], r.a.spooled + r.b.spooled, db:count()
                """)
            #expect(values.map(\.integerValue) == [200, 300, 0, 500])
        }

        @Test func aOneOffQueryLeavesARunningPipelinesBackendConnected() throws {
            let dir = try BindingsTests.temporaryDirectory()
            let (lua, _) = try BindingsTests.state()
            let values = try lua.run("""
                local db = storage.sqlite { path = "\(dir.path)/q.db" }
                local p = pipeline "p" { from = source.generator { count = 400, rate = 2000 }, to = db }
                p:start()
                p:tap("output", 20)
                local during = db:count()
                local other = pipeline "other" { from = source.generator { count = 1 }, to = storage.null {} }
                other:run()
                local r = p:wait()
                return r.stored[db.id], r.spooled, r.failed_to_store, db:count(), during <= 400
                """)
            #expect(Array(values.prefix(4)).map(\.integerValue) == [400, 0, 0, 400])
            #expect({ if case .boolean(true)? = values.last { true } else { false } }())
        }

        @Test func aBackendThatIsAlsoTheDeadLetterDestinationGetsBoth() throws {
            let (lua, _) = try BindingsTests.state()
            let values = try lua.run("""
                local mem, n = storage.memory {}, 0
                local p = pipeline "p" {
                  from = source.generator { count = 10 },
                  process = { function(r) n = n + 1 if n % 2 == 0 then error("even") end return r end },
                  to = mem, dead_letter = mem,
                }
                local r = p:run()
                return r.output, r.dead_letters, mem:count()
                """)
            #expect(values.map(\.integerValue) == [5, 5, 10])
        }

        @Test func aSourceGivenToASecondPipelineIsRefusedAtThatLine() throws {
            let (lua, _) = try BindingsTests.state()
            let message = BindingsTests.error("""
                local s = source.generator { count = 10 }
                pipeline "a" { from = s, to = storage.memory {} }
                pipeline "b" { from = s, to = storage.memory {} }
                """, in: lua)
            #expect(message.contains("script.lua:3: pipeline \"b\": the source 'generator-1' already feeds pipeline \"a\""), "\(message)")
        }

        @Test func aSourceThatFeedsAPipelineIsNotCollectedFromElsewhere() throws {
            let (lua, _) = try BindingsTests.state()
            let message = BindingsTests.error("""
                local s = source.generator { count = 10 }
                local first = s:collect()
                pipeline "a" { from = s, to = storage.memory {} }
                s:collect()
                """, in: lua)
            #expect(message.contains("script.lua:4: collect: the source 'generator-1' feeds pipeline \"a\""), "\(message)")
        }
    }
}
