// lua-processors-only: the engine's Lua side embedded with the core alone.
// It installs the C-free connectors and a source of its own, runs a
// processor file and a script function over a few records into
// storage.memory, copies a JSON-lines file with source.file, and prints
// what was stored. Its test asserts (with ldd) that it links none of the
// connector families' C libraries (libpq, OpenSSL, libsqlite3, zlib,
// librdkafka, libmosquitto).
//
//   lua-processors-only COUNT    records 1...COUNT (default 5)
import CollectorCoreConnectors
import CollectorScripting
import Foundation
import LuaRuntime

func main() -> Int32 {
    let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 5
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lua-processors-only-\(getpid())")
    defer { try? FileManager.default.removeItem(at: directory) }
    do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Sandboxed, in states of its own: the processor file.
        try "return function(record) record.square = record.n * record.n return record end\n"
            .write(to: directory.appendingPathComponent("square.lua"), atomically: true, encoding: .utf8)
        let lines = directory.appendingPathComponent("lines.jsonl").path
        try "{\"line\":1}\n{\"line\":2}\n{\"line\":3}\n".write(toFile: lines, atomically: true, encoding: .utf8)
        let script = """
            kept = storage.memory { id = "kept" }
            pipeline "numbers" {
              from = source.numbers { count = \(count) },
              process = {
                processor.file "square.lua",
                function(r) if r.n % 2 == 0 then r.even = true end return r end,
              },
              to = kept,
            }
            copied = storage.memory { id = "copied" }
            pipeline "lines" { from = source.file { path = "\(lines)" }, to = copied }
            """
        // After the run: what the memory backend holds, one line of JSON each.
        let report = """
            for _, r in ipairs(kept:query { sort_by = "n" }) do
              print(json.encode { n = r.n, square = r.square, even = r.even == true })
            end
            print(json.encode { copied = copied:count() })
            """
        let path = directory.appendingPathComponent("main.lua").path
        let lua = try LuaState(LuaOptions(libraries: .full))
        let bindings = try ScriptBindings(installingIn: lua, scriptPath: path, connectors: CoreConnectors.all)
        try bindings.add(
            .source(
                "numbers", summary: "The records {n = 1} to {n = count}.",
                options: [ConnectorOption("count", .integer(0...1_000_000), default: "5", "how many records")]
            ) { options in
                NumbersSource(id: options.id, count: try options.integer("count") ?? 5)
            })
        try lua.call(try lua.load(script, name: "@\(path)"))
        try bindings.runPendingPipelines()
        try lua.call(try lua.load(report, name: "=report"))
        for outcome in bindings.outcomes { FileHandle.standardError.write(Data("\(outcome.summary)\n".utf8)) }
        return bindings.outcomes.count == 2 && bindings.outcomes.allSatisfy(\.succeeded) ? 0 : 1
    } catch let error as LuaError {
        FileHandle.standardError.write(Data("lua-processors-only: \(error.message)\n".utf8))
        return 2
    } catch {
        FileHandle.standardError.write(Data("lua-processors-only: \(error)\n".utf8))
        return 1
    }
}

exit(main())
