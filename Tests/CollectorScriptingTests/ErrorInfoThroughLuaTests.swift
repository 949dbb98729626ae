import CollectorScripting
import CollectorValues
import Collectors
import Foundation
import LuaRuntime
import Testing

extension BindingsTests {
    /// An `ErrorInfo` a binding throws keeps its type, layer and details on its
    /// way out through Lua, so that the engine can tell what failed.
    /// Nested in the bindings suite to be serialized with it: a source's
    /// `collect()` waits for engine work synchronously, and two such tests at
    /// once can hold every thread of the concurrency pool on a small machine.
    @Suite("ErrorInfo through Lua")
    struct ErrorInfoThroughLuaTests {
        @Test func anErrorInfoThrownByABindingReachesSwiftIntact() throws {
            let lua = try LuaState(LuaOptions(libraries: .full))
            let thrown = ErrorInfo(
                .connection, layer: .collection, operation: "connect", message: "connection refused",
                details: ["source_id": .string("api"), "attempts": .integer(3)], isRetryable: true)
            try lua.register("fetch") { _ in throw thrown }
            let error = try #require(throws: LuaError.self) {
                try lua.run("""
                    local function step() return fetch() end
                    local ok, e = pcall(step)
                    if not ok then error(e, 0) end
                    """, name: "@fetch.lua")
            }
            #expect(error.kind == .callback)
            let info = try #require(error.underlyingError as? ErrorInfo, "\(String(describing: error.underlyingError))")
            #expect(info.type == .connection)
            #expect(info.layer == .collection)
            #expect(info.operation == "connect")
            #expect(info.details == ["source_id": .string("api"), "attempts": .integer(3)])
            #expect(info.isRetryable)
            #expect(error.message == "fetch.lua:1: fetch: \(thrown)")
        }

        @Test func aSourceThatFailsToCollectRaisesItsErrorInfo() throws {
            let (lua, _) = try BindingsTests.state()
            let missing = FileManager.default.temporaryDirectory.appendingPathComponent("gone-\(UUID().uuidString).jsonl").path
            _ = FileManager.default.createFile(atPath: missing, contents: Data("{}\n".utf8))
            // The file is there when the source is made and gone when it is read.
            let error = try #require(throws: LuaError.self) {
                try lua.run("local s = source.file { path = '\(missing)' } os.remove('\(missing)') s:collect()", name: "@script.lua")
            }
            let info = try #require(error.underlyingError as? ErrorInfo, "\(error.message)")
            #expect(info.layer == .collection)
            #expect(info.type != .configuration && info.type != .validation, "\(info)")
            #expect(error.message.contains(missing), "\(error.message)")
        }
    }
}
