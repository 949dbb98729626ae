import CollectorValues
import LuaRuntime

/// The canonical record of the benchmark workload (see the bench README).
let canonicalRecord: DataValue = [
    "sensor_id": "s-0593", "value": 20.73, "unit": "RH", "ts": 1_764_288_000_009,
    "site": "plant-8", "tags": ["line": "c", "shift": 1],
]

/// Runs `body` `rounds` times and reports the best rate: these machines are
/// noisy, and the best run is the one least disturbed.
func measure(_ label: String, operations: Int, rounds: Int = 5, unit: String = "calls/s", _ body: () throws -> Void) rethrows {
    let clock = ContinuousClock()
    var best = Duration.seconds(1_000_000)
    for _ in 0..<rounds {
        let elapsed = try clock.measure(body)
        best = min(best, elapsed)
    }
    let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
    let rate = Double(operations) / seconds
    let perOperation = seconds / Double(operations) * 1e9
    print("\(label): \(formatRate(rate)) \(unit)  (\(formatNumber(perOperation)) ns each, best of \(rounds))")
}

func formatRate(_ rate: Double) -> String {
    rate >= 1e6 ? "\(formatNumber(rate / 1e6)) M" : "\(formatNumber(rate / 1e3)) k"
}

func formatNumber(_ value: Double) -> String {
    let scaled = (value * 100).rounded() / 100
    return "\(scaled)"
}

func runLuaBenchmark() throws {
    let lua = try LuaState(LuaOptions(libraries: .sandboxed))
    let increment = try lua.run("return function(x) return x + 1 end")[0].functionValue!
    let calls = 5_000_000
    measure("Swift -> Lua, f(int) -> int", operations: calls) {
        var x: Int64 = 0
        for _ in 0..<calls { x = (try? lua.call(increment, x, returning: Int64.self)) ?? x }
        precondition(x == Int64(calls))
    }

    try lua.register("inc") { call in
        try call.push(try call.integer(1) + 1)
        return 1
    }
    let loop = try lua.load("local inc, x = inc, 0 for i = 1, \(calls) do x = inc(x) end return x", name: "=loop")
    try measure("Lua -> Swift, inc(int) -> int", operations: calls) {
        let x = try lua.call(loop, returning: Int64.self)
        precondition(x == Int64(calls))
    }

    let identity = try lua.run("return function(r) return r end")[0].functionValue!
    let records = 1_000_000
    try measure("canonical record Swift -> Lua table -> Swift", operations: records, unit: "records/s") {
        for _ in 0..<records {
            guard try lua.callTransform(identity, canonicalRecord) != nil else { fatalError("lost the record") }
        }
    }
}
