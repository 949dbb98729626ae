// collector-bench: micro-benchmarks of the engine's hot paths. Build with -c release:
//
//   swift run -c release collector-bench lua
//
//   lua          Swift->Lua calls/s, Lua->Swift calls/s, canonical record round trip
//   json FILE    JSON decode and encode of a JSON-lines file (the canonical workload)
//   sqlite FILE  SQLite insert of FILE's processed rows vs the sqlite3 shell's .import
//   spool [N]    the spool's write and replay rates (N records, default 500000), what ids cost SQLite
//   postgres [URL] [N]  PostgreSQL store of N rows (default 100000) by COPY and INSERT vs psql's \copy (URL or DATABASE_URL)
//   time         time.parse and time.format calls/s (RFC 3339, a strftime format)
//   reload [S]   hot reload under full load: save-to-swap time, throughput with 1 reload/s vs none (S seconds a round)
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "lua", nil:
        try runLuaBenchmark()
    case "json":
        guard arguments.count == 2 else {
            print("usage: collector-bench json FILE.jsonl")
            exit(2)
        }
        try runJSONBenchmark(path: arguments[1])
    case "sqlite":
        guard arguments.count == 2 else {
            print("usage: collector-bench sqlite FILE.jsonl")
            exit(2)
        }
        try await runSQLiteBenchmark(path: arguments[1])
    case "spool":
        guard arguments.count <= 2, let count = Int(arguments.count == 2 ? arguments[1] : "500000"), count > 0 else {
            print("usage: collector-bench spool [N]")
            exit(2)
        }
        try await runSpoolBenchmark(count: count)
    case "postgres":
        // A number is the row count, anything else the URL.
        let rest = arguments.dropFirst()
        let url = rest.first { Int($0) == nil }
        let count = rest.compactMap { Int($0) }.first ?? 100_000
        guard rest.count <= 2, rest.filter({ Int($0) == nil }).count <= 1, count > 0 else {
            print("usage: collector-bench postgres [URL] [N]   (URL defaults to DATABASE_URL, N to 100000)")
            exit(2)
        }
        try await runPostgresBenchmark(url: url, count: count)
    case "time":
        try runTimeBenchmark()
    case "reload":
        try await runReloadBenchmark(seconds: arguments.count > 1 ? max(1, Int(arguments[1]) ?? 10) : 10)
    default:
        print("usage: collector-bench [lua | json FILE.jsonl | sqlite FILE.jsonl | spool [N] | postgres [URL] [N] | time | reload [SECONDS]]")
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("collector-bench: \(error)\n".utf8))
    exit(1)
}
