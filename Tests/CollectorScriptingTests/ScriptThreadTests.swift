import Collectors
import Foundation
import LuaRuntime
import Testing

@testable import CollectorScripting

/// The script's state stays on its thread, and what cannot be served from
/// there fails at once: a wait from inside a function the engine calls, an
/// event handler that never returns. Nested in the bindings suite to be
/// serialized with it.
extension BindingsTests {
    @Suite("the script's thread")
    struct ScriptThreadTests {
        static func input(_ lines: [String]) throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("thread-\(UUID().uuidString).jsonl").path
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        @Test(arguments: ["p:wait()", "p:run()", "run()", "p:tap('output', 1, 1)", "p:record(1, 1)", "p:promote(1)"])
        func aWaitInsideAProcessingFunctionFailsThatRecord(call: String) throws {
            let (lua, _) = try BindingsTests.state()
            let path = try Self.input(["{\"id\":1}", "{\"id\":2,\"bad\":true}", "{\"id\":3}"])
            let values = try lua.run("""
                local p
                p = pipeline "p" {
                  from = source.file { path = "\(path)" },
                  process = { function(r) if r.bad then \(call) end return r end },
                  to = storage.memory {}, batch_size = 1,
                }
                local report = p:wait()
                return report.output, report.failed, report.status
                """)
            #expect(values.map(\.integerValue) == [2, 1, nil])
            #expect(values.last?.stringValue == "completed")
        }

        @Test func theErrorOfAWaitInsideAFunctionSaysWhyAndWhere() throws {
            let (lua, _) = try BindingsTests.state()
            let path = try Self.input(["{\"id\":1}"])
            let values = try lua.run("""
                local p, message
                p = pipeline "p" {
                  from = source.file { path = "\(path)" },
                  process = { function(r)
                    local ok, err = pcall(p.wait, p)
                    message = err
                    return r
                  end },
                  to = storage.memory {},
                }
                p:wait()
                return message
                """)
            let message = try #require(values.first?.stringValue)
            #expect(message.contains("p:wait() cannot wait for pipelines from inside a function the engine calls"), "\(message)")
        }

        @Test func aWaitInsideAnEventHandlerIsLoggedAndTheRunGoesOn() throws {
            let (lua, _) = try BindingsTests.state()
            let path = try Self.input(["{\"id\":1}", "{\"id\":2}", "{\"id\":3}"])
            let values = try lua.run("""
                local p = pipeline "p" { from = source.file { path = "\(path)" }, to = storage.memory {} }
                local calls, failures = 0, {}
                on("processing_complete", function(e)
                  calls = calls + 1
                  local ok, err = pcall(p.wait, p)
                  if not ok then failures[#failures + 1] = err end
                end)
                local report = p:wait()
                return report.output, calls > 0 and #failures == calls
                """)
            #expect(values.first?.integerValue == 3)
            #expect({ if case .boolean(true)? = values.last { true } else { false } }())
        }

        @Test func aWaitThatCanBeServedWorksInsideAFunction() throws {
            let (lua, _) = try BindingsTests.state()
            let values = try lua.run("""
                local done = pipeline "done" { from = source.generator { count = 3 }, to = storage.null {} }
                done:run()
                local seen
                local p = pipeline "p" {
                  from = source.generator { count = 2 },
                  process = { function(r) seen = done:wait().output return r end },
                  to = storage.null {},
                }
                local report = p:run()
                return seen, report.failed
                """)
            #expect(values.map(\.integerValue) == [3, 0])
        }

        @Test func anEndlessEventHandlerIsStoppedByItsBudgetAndTheRunCompletes() throws {
            let (lua, bindings) = try BindingsTests.state()
            let path = try Self.input(["{\"id\":1}", "{\"id\":2}", "{\"id\":3}"])
            let values = try lua.run("""
                local calls = 0
                on("*", function(e) calls = calls + 1 while true do end end)
                local p = pipeline "p" { from = source.file { path = "\(path)" }, to = storage.memory {} }
                local report = p:wait()
                return report.output, report.status, calls
                """)
            #expect(values.first?.integerValue == 3)
            #expect(values.dropFirst().first?.stringValue == "completed")
            #expect((values.last?.integerValue ?? 0) >= 2, "the handler stays subscribed after its budget ran out")
            _ = bindings
        }

        @Test func anEventHandlersBudgetIsItsOwnOption() throws {
            let (lua, _) = try BindingsTests.state()
            let values = try lua.run("""
                local small, large = 0, 0
                on("pipeline_started", function(e) for i = 1, 200000 do end small = small + 1 end, { instructions = 1000 })
                on("pipeline_started", function(e) for i = 1, 200000 do end large = large + 1 end, { timeout = "5s" })
                pipeline "p" { from = source.generator { count = 1 }, to = storage.null {} }
                run()
                return small, large
                """)
            #expect(values.map(\.integerValue) == [0, 1])
            #expect(BindingsTests.error("on('*', function() end, { instruction = 5 })", in: lua)
                .contains("unknown option 'instruction' (did you mean 'instructions'?)"))
        }

        @Test func aValueOfTheScriptsStateIsRefusedOutsideItsLoop() throws {
            let (lua, bindings) = try BindingsTests.state()
            let bound = LoopBound(lua, loop: bindings.loop)
            // The script's own thread, but not inside a job of its loop.
            #expect(throws: LoopBound<LuaState>.WrongThread.self) { _ = try bound.value }
            let fromElsewhere = Locked<Bool?>(nil)
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                do {
                    _ = try bound.value
                    fromElsewhere.withLock { $0 = false }
                } catch {
                    fromElsewhere.withLock { $0 = true }
                }
                done.signal()
            }
            #expect(done.wait(timeout: .now() + 10) == .success)
            #expect(fromElsewhere.withLock { $0 } == true)
            // Inside a job, on the thread running it, the value is there.
            let loop = bindings.loop
            let inside = try loop.run {
                try await loop.perform { (try? bound.value) != nil }
            }
            #expect(inside)
        }
    }
}

extension BindingsTests.ScriptThreadTests {
    @Test func anInterruptEndsAWaitAndTheJobsOfOthersStillRun() throws {
        let loop = ScriptLoop()
        loop.retain()  // as a running pipeline holds it
        defer { loop.release() }
        #expect(loop.interrupt() == false, "nothing waits: nothing to interrupt")
        let interrupter = Thread {
            Thread.sleep(forTimeInterval: 0.2)
            loop.interrupt()
        }
        interrupter.start()
        #expect(throws: ScriptLoop.Interrupted.self) {
            _ = try loop.run { () async -> Int in
                // A wait that never ends by itself.
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
                return 0
            }
        }
        // A job sent after the interrupt waits for the next run, which runs it.
        let job = Task { try await loop.perform { 7 } }
        let value = try loop.run { try await job.value }
        #expect(value == 7)
    }
}
