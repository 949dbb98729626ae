// sqlite-connectors-only: the engine's Lua side embedded with two connector
// families, the C-free one and SQLite (with its spool). It stores generated
// records in an SQLite file through a spooled pipeline and prints how many
// the table holds. Its test asserts (with ldd) that it links libsqlite3 and
// none of the other families' C libraries (libpq, OpenSSL, zlib,
// librdkafka, libmosquitto).
//
//   sqlite-connectors-only COUNT    records to store (default 5)
import CollectorCoreConnectors
import CollectorSQLiteConnectors
import CollectorScripting
import Foundation
import LuaRuntime

func main() -> Int32 {
    let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 5
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-connectors-only-\(getpid())")
    defer { try? FileManager.default.removeItem(at: directory) }
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            kept = storage.sqlite { path = "\(directory.path)/kept.db" }
            pipeline "readings" {
              from = source.generator { count = \(count) },
              to = kept,
              spool = "\(directory.path)/spool.db",
            }
            """
        let path = directory.appendingPathComponent("main.lua").path
        let lua = try LuaState(LuaOptions(libraries: .full))
        let bindings = try ScriptBindings(
            installingIn: lua, scriptPath: path, connectors: CoreConnectors.all + SQLiteConnectors.all,
            spool: SQLiteConnectors.spool)
        try lua.call(try lua.load(script, name: "@\(path)"))
        try bindings.runPendingPipelines()
        try lua.call(try lua.load("print(json.encode { stored = kept:count() })", name: "=report"))
        for outcome in bindings.outcomes { FileHandle.standardError.write(Data("\(outcome.summary)\n".utf8)) }
        return bindings.outcomes.count == 1 && bindings.outcomes.allSatisfy(\.succeeded) ? 0 : 1
    } catch let error as LuaError {
        FileHandle.standardError.write(Data("sqlite-connectors-only: \(error.message)\n".utf8))
        return 2
    } catch {
        FileHandle.standardError.write(Data("sqlite-connectors-only: \(error)\n".utf8))
        return 1
    }
}

exit(main())
