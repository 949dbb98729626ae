// collector-bench: micro-benchmarks of the engine's hot paths. Build with -c release:
//
//   swift run -c release collector-bench lua
//
//   lua    Swift->Lua calls/s, Lua->Swift calls/s, canonical record round trip
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "lua", nil:
        try runLuaBenchmark()
    default:
        print("usage: collector-bench [lua]")
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("collector-bench: \(error)\n".utf8))
    exit(1)
}
