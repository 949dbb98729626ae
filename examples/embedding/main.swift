// embedding-example: a Swift program that embeds the engine, adds a source
// and a backend of its own to the Lua API, and runs a pipeline script.
//
//   swift run embedding-example               the script below
//   swift run embedding-example SCRIPT.lua    a script of yours (it can use source.ticker and storage.printer)
import CollectorScripting
import Foundation
import LuaRuntime

let defaultScript = """
    pipeline "ticks" {
      from = source.ticker { count = 5, every = "10ms" },
      process = { function(r) r.even = r.tick % 2 == 0 return r end },
      to = storage.printer { prefix = "stored " },
    }
    """

func main() -> Int32 {
    let arguments = CommandLine.arguments.dropFirst()
    let path = arguments.first ?? "ticks.lua"
    do {
        let script = try arguments.first.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? defaultScript

        // The script's state: the full standard library, and the engine's API in it.
        let lua = try LuaState(LuaOptions(libraries: .full))
        let bindings = try ScriptBindings(installingIn: lua, scriptPath: path)

        // source.ticker { count =, every = }: its schema says what the options are;
        // they are checked (names, types, ranges) before the source is built,
        // and documented by it (`:doc source.ticker` in the REPL).
        try bindings.add(
            .source(
                "ticker", summary: "Counts up, a record per tick.",
                options: [
                    ConnectorOption("count", .integer(0...Int.max), default: "10", "ticks in all"),
                    ConnectorOption("every", .duration(), default: "\"1s\"", "time between ticks"),
                ]
            ) { options in
                TickerSource(id: options.id, count: try options.integer("count") ?? 10, interval: try options.duration("every") ?? .seconds(1))
            })
        // storage.printer { prefix = }
        try bindings.add(
            .storage(
                "printer", summary: "Prints each record as a line of JSON.",
                options: [ConnectorOption("prefix", .string, default: "\"\"", "put before each line")]
            ) { options in
                PrinterStorage(id: options.id, prefix: try options.string("prefix") ?? "")
            })

        // Run the main chunk (it registers pipelines), then the pipelines until their sources end.
        try lua.call(try lua.load(script, name: "@\(path)"))
        try bindings.runPendingPipelines()
        for outcome in bindings.outcomes { print(outcome.summary) }
        return bindings.outcomes.allSatisfy(\.succeeded) ? 0 : 1
    } catch let error as LuaError {
        FileHandle.standardError.write(Data("embedding-example: \(error.message)\n".utf8))
        return 2
    } catch {
        FileHandle.standardError.write(Data("embedding-example: \(error)\n".utf8))
        return 1
    }
}

exit(main())
