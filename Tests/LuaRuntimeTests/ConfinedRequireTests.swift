import Foundation
import Testing

@testable import LuaRuntime

/// In the sandbox `require` loads Lua modules from the engine's module path
/// only: `package` is read-only, names cannot climb out of the path's
/// directories, and only regular files are read (a FIFO or device never
/// blocks the state).
@Suite("require in the sandbox")
struct ConfinedRequireTests {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("collector-require-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url.appendingPathComponent("app/lib"), withIntermediateDirectories: true)
        try "return { secret = 'hunter2' }".write(to: url.appendingPathComponent("secrets.lua"), atomically: true, encoding: .utf8)
        try "return { name = 'util' }".write(to: url.appendingPathComponent("app/util.lua"), atomically: true, encoding: .utf8)
        try "return { name = 'lib.deep' }".write(to: url.appendingPathComponent("app/lib/deep.lua"), atomically: true, encoding: .utf8)
        return url
    }

    static func sandbox(in dir: URL) throws -> LuaState {
        let app = dir.appendingPathComponent("app").path
        return try LuaState(LuaOptions(
            libraries: .sandboxed, instructionLimit: 1_000_000, timeLimit: .seconds(5),
            modulePaths: ["\(app)/?.lua", "\(app)/?/init.lua"]))
    }

    @Test func modulesOnThePathLoadOnce() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lua = try Self.sandbox(in: dir)
        let results = try lua.run("""
            local util, where = require('util')
            return util.name, require('lib.deep').name, require('util') == util, where
            """)
        #expect(results[0].stringValue == "util" && results[1].stringValue == "lib.deep")
        #expect(results[2].booleanValue == true)
        #expect(results[3].stringValue?.hasSuffix("app/util.lua") == true)
        #expect(try lua.loadedModuleNames().contains("lib.deep"))
        #expect(try lua.run("return package.path").first?.stringValue?.contains("/app/?.lua") == true)
    }

    @Test(arguments: ["package.path = '/etc/?'", "package.path = '../?.lua'", "package.loadlib = print", "package.searchers = {}"])
    func packageIsReadOnly(_ statement: String) throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lua = try Self.sandbox(in: dir)
        let error = try #require(throws: LuaError.self) { try lua.run(statement, name: "@s.lua") }
        #expect(error.message.contains("package is read-only in the sandbox"), "\(error.message)")
        #expect(try lua.run("return package.path").first?.stringValue?.contains("/app/?.lua") == true)
    }

    @Test(arguments: ["..secrets", "../secrets", "/etc/passwd", ".util", "util.", "a..b", "x y", ""])
    func namesThatClimbOutOrAreNotNamesAreRefused(_ name: String) throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lua = try Self.sandbox(in: dir)
        let error = try #require(throws: LuaError.self) { try lua.run("return require(...)", name: "@r.lua", arguments: [name]) }
        #expect(error.message.contains("require: invalid module name"), "\(error.message)")
        #expect(!error.message.contains("hunter2") && !error.message.contains("root:"))
    }

    @Test func aFIFOOrADirectoryIsNotAModule() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = dir.appendingPathComponent("app")
        #expect(mkfifo(app.appendingPathComponent("pipe.lua").path, 0o600) == 0)
        try FileManager.default.createDirectory(at: app.appendingPathComponent("folder.lua"), withIntermediateDirectories: true)
        let lua = try Self.sandbox(in: dir)
        for name in ["pipe", "folder", "absent"] {
            let error = try #require(throws: LuaError.self) { try lua.run("return require('\(name)')") }
            #expect(error.message.contains("module '\(name)' not found"), "\(error.message)")
        }
    }

    @Test func preloadStillWorks() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lua = try Self.sandbox(in: dir)
        #expect(try lua.run("package.preload.answer = function() return 42 end return require('answer')").first?.integerValue == 42)
    }
}

extension LuaState {
    /// Runs `source` with string arguments (`...` in the chunk).
    fileprivate func run(_ source: String, name: String, arguments: [String]) throws -> [LuaValue] {
        try call(try load(source, name: name), arguments: arguments)
    }
}
