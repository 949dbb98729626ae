import Collectors
import CollectorValues
import LuaRuntime

/// Runs the `tests` of a processor module: a list of tables, each giving an
/// `input` record and what `process` must make of it.
///
///     tests = {
///       { name = "converts", input = { v = 1 }, output = { v = 1, unit = "C" } },
///       { input = { v = "x" }, dropped = true },
///       { input = { items = { 1, 2 } }, emits = { { item = 1 }, { item = 2 } }, output = nil },
///       { input = { v = -1 }, error = "negative" },   -- a Lua pattern the error must match
///       { input = { v = 1 }, meta = { path = "a.log", line = 3 }, output = { v = 1, at = "a.log:3" } },
///       { advance = "1m", emits = { { count = 3 } } },  -- simulated time passes: on_timer runs
///     }
///
/// The tests run in order in one fresh state (so a module that keeps state
/// sees them as a sequence), after `init(ctx)` with worker 1 of 1, on one
/// simulated clock (see `SimulatedTimer`).
enum InlineTests {
    static let fields = ["name", "input", "meta", "output", "emits", "dropped", "error", "advance", "config"]

    /// Loads the module into `lua` (a fresh sandboxed state) and runs its tests.
    /// With a `filter`, only the tests whose name contains it are reported;
    /// all of them run, since each may depend on the state the ones before left.
    static func run(
        source: String, chunkName: String, name: String, config: DataValue? = nil, log: LogSink?, filter: String? = nil,
        in lua: LuaState
    ) -> ProcessorTestFile {
        let path = ProcessorModule.displayName(chunkName)
        var file = ProcessorTestFile(path: path, kind: .inline)
        let module: ProcessorModule
        let emit: EmitFunction
        let meta: RecordMeta
        let now: SimulatedNow
        do {
            // Exactly as in a pipeline: a module may use json, log and metrics at load and in its tests.
            now = try TestStateLibraries.install(in: lua, processor: name, log: log)
            emit = try EmitFunction(in: lua)
            meta = try RecordMeta(in: lua)
            module = try ProcessorModule.load(source: source, chunkName: chunkName, in: lua)
            if let initHook = module.initHook {
                try lua.call(initHook, DataValue.object(ProcessorModule.context(name: name, worker: 1, workers: 1, config: config)))
            }
        } catch {
            file.loadError = (error as? LuaError)?.message ?? "\(error)"
            return file
        }
        if module.tests.isNil { return file }
        guard case .table(let list) = module.tests, let tests = try? sequence(list, in: lua) else {
            file.loadError = "\(path): the module's 'tests' must be a list of tests, got \(module.tests.typeName)"
            return file
        }
        var runner = CaseRunner(lua: lua, module: module, emit: emit, meta: meta, name: name, now: now)
        let clock = ContinuousClock()
        for (index, test) in tests.enumerated() {
            let start = clock.now
            var result = runner.run(test, number: index + 1)
            result.duration = clock.now - start
            if let filter, !result.name.contains(filter) {
                file.filteredOut += 1
                continue
            }
            if !result.passed { result.location = line(naming: result.name, in: source).map { "\(path):\($0)" } }
            file.cases.append(result)
        }
        return file
    }

    /// The first line of the source that quotes a test's name: where the test is, as far as the
    /// text can say (a table carries no line of its own).
    private static func line(naming name: String, in source: String) -> Int? {
        let quoted = ["\"\(name)\"", "'\(name)'"]
        for (index, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where quoted.contains(where: { line.contains($0) }) {
            return index + 1
        }
        return nil
    }

    /// Runs the module's tests in a fresh state of their own, on a thread of
    /// their own, under `options`' limits: what a load or a reload does first.
    static func run(source: String, chunkName: String, name: String, options: LuaProcessorOptions) async -> ProcessorTestFile {
        do {
            let worker = try LuaWorker(options.luaOptions, name: "tests of \(name)")
            let config = options.config
            return try await worker.perform { lua in
                run(source: source, chunkName: chunkName, name: name, config: config, log: options.log, in: lua)
            }
        } catch {
            return ProcessorTestFile(path: ProcessorModule.displayName(chunkName), kind: .inline, loadError: "\(error)")
        }
    }

    /// The values at 1, 2, ... n of a table that must be a list.
    private static func sequence(_ table: LuaTable, in lua: LuaState) throws -> [LuaValue] {
        let entries = try lua.entries(of: table)
        var items = [LuaValue](repeating: .nil, count: entries.count)
        for (key, value) in entries {
            guard case .integer(let index) = key, index >= 1, index <= entries.count else {
                throw LuaError(.runtime, "not a list")
            }
            items[Int(index) - 1] = value
        }
        return items
    }
}

/// One inline test: the call, then each expectation it states.
private struct CaseRunner {
    let lua: LuaState
    let module: ProcessorModule
    let emit: EmitFunction
    /// What `process` gets as `meta`: the test's `meta` table, or nothing.
    let meta: RecordMeta
    /// The processor's name, for the `ctx` of a test that sets `config`.
    let name: String
    /// The module's timer on the tests' simulated clock, which `advance` tests move.
    var clock: SimulatedTimer?
    /// What `time.now()` reads: the simulated clock's time.
    let now: SimulatedNow

    init(lua: LuaState, module: ProcessorModule, emit: EmitFunction, meta: RecordMeta, name: String, now: SimulatedNow) {
        self.now = now
        self.meta = meta
        self.lua = lua
        self.module = module
        self.emit = emit
        self.name = name
        clock = module.timer.map { SimulatedTimer(every: $0.every) }
    }

    mutating func run(_ test: LuaValue, number: Int) -> ProcessorTestCase {
        guard case .table(let table) = test, let entries = try? lua.entries(of: table) else {
            return ProcessorTestCase(name: "test \(number)", failure: ["a test must be a table, got \(test.typeName)"])
        }
        var fields: [String: LuaValue] = [:]
        var problems: [String] = []
        for (key, value) in entries {
            guard case .string(let field) = key else {
                problems.append("fields are named (input = ...), got a \(key.typeName) key")
                continue
            }
            if !InlineTests.fields.contains(field) {
                var problem = "unknown field '\(field)'"
                if let close = Suggestion.closest(to: field, in: InlineTests.fields) { problem += " (did you mean '\(close)'?)" }
                problems.append(problem + "; fields are: " + InlineTests.fields.joined(separator: ", "))
            }
            fields[field] = value
        }
        let name = fields["name"]?.stringValue ?? "test \(number)"
        if !problems.isEmpty { return ProcessorTestCase(name: name, failure: problems) }
        return ProcessorTestCase(name: name, failure: check(fields))
    }

    private mutating func check(_ fields: [String: LuaValue]) -> [String] {
        // A test that sets `config` runs `init(ctx)` again with it first (the state is the tests' own).
        if let value = fields["config"] {
            do {
                let config = try ProcessorConfig.read(value, in: lua, what: "config")
                if let initHook = module.initHook {
                    try lua.call(initHook, DataValue.object(ProcessorModule.context(name: name, worker: 1, workers: 1, config: config)))
                }
            } catch let error as LuaCallError {
                return [error.message]
            } catch {
                return ["init with this config failed: \((error as? LuaError)?.message ?? "\(error)")"]
            }
            if fields["input"] == nil, fields["advance"] == nil { return [] }
        }
        if let step = fields["advance"] {
            guard fields["input"] == nil else {
                return ["a test gives either input (a record for process) or advance (time for on_timer), not both"]
            }
            return checkAdvance(step, fields)
        }
        let diff = DataDiff(lua: lua)
        guard let inputValue = fields["input"], let input = try? lua.data(inputValue, root: "input"),
            ProcessOutput.inputProblem(with: input) == nil
        else {
            let timer = module.timer == nil ? "" : ", or advance = \"1m\" (time for on_timer)"
            return ["input: a record is required (input = { field = value, ... }; or an array, or a string)\(timer)"]
        }
        var given = DataObject()
        if let metaValue = fields["meta"] {
            guard case .table = metaValue, let value = try? lua.data(metaValue, root: "meta"),
                let object = value.objectValue ?? (value.arrayValue?.isEmpty == true ? DataObject() : nil)
            else {
                return ["meta: a table of named values is expected (meta = { path = \"a.log\", line = 3 }), got \(metaValue.typeName)"]
            }
            given = object
        }
        let dropped = fields["dropped"]?.booleanValue == true
        let expected = (output: fields["output"], emits: fields["emits"], error: fields["error"])
        guard dropped || expected.output != nil || expected.emits != nil || expected.error != nil else {
            return ["the test states no expectation (output, emits, dropped or error)"]
        }

        emit.reset()
        var returned: DataValue?
        var thrown: String?
        do {
            returned = try meta.with(.given(given)) { () throws(LuaError) in
                try lua.callTransform(module.process, input, emit.function, meta.value)
            }
            if let value = returned, let problem = ProcessOutput.problem(with: value) {
                thrown = problem
                returned = nil
            }
        } catch {
            thrown = error.message
        }
        let emitted = emit.values

        if let pattern = expected.error {
            let got = returned.map { "output \(diff.describe($0))" } ?? "no error (nothing returned)"
            return expectError(pattern, thrown: thrown, otherwise: got)
        }
        if let thrown { return ["process failed: \(thrown)"] }

        var failures: [String] = []
        if dropped {
            if let returned { failures.append("dropped: expected the record dropped, got output \(diff.describe(returned))") }
            if !emitted.isEmpty { failures.append("dropped: expected nothing emitted, got \(emitted.count) record\(emitted.count == 1 ? "" : "s")") }
        }
        if let output = expected.output {
            do {
                failures += diff.differences(expected: try lua.data(output, root: "output"), got: returned, path: "output")
            } catch {
                failures.append("output: \(error.message)")
            }
        }
        if let emits = expected.emits { failures += expectEmits(emits, got: emitted) }
        return failures
    }

    /// An `advance` test: simulated time moves by `step`, and `on_timer(emit,
    /// now)` runs at each time the timer was due on the way; what the calls
    /// emitted (or how one failed) is checked against `emits` (or `error`).
    private mutating func checkAdvance(_ step: LuaValue, _ fields: [String: LuaValue]) -> [String] {
        guard let timer = module.timer, var clock else {
            return ["advance: the module has no timer (every = \"1m\" and on_timer(emit, now))"]
        }
        guard let duration = Units.duration(step) else {
            return ["advance: expected a duration (\"250ms\", \"10s\", \"1m\", \"1h\" or seconds), got \(ProcessorModule.Timer.describe(step))"]
        }
        let misplaced = ["output", "dropped"].filter { fields[$0] != nil }
        guard misplaced.isEmpty else {
            return misplaced.map { "\($0): an advance test checks emits or error (on_timer has no record to return or drop)" }
        }
        guard fields["emits"] != nil || fields["error"] != nil else {
            return ["the test states no expectation (emits, or error)"]
        }
        let times: [Double]
        switch clock.advance(by: duration) {
        case .success(let due): times = due
        case .failure(let tooMany): return ["advance: \(tooMany.message)"]
        }
        self.clock = clock
        defer { now.seconds = Self.seconds(clock.elapsed) }
        // Each call on its own, as in a pipeline: a failing call's records are dropped, the next call runs.
        var emitted: [DataValue] = []
        var thrown: String?
        for due in times {
            emit.reset()
            now.seconds = due
            do {
                try lua.call(timer.onTimer, emit.function, due)
                emitted += emit.values
            } catch {
                thrown = thrown ?? error.message
            }
        }
        if let pattern = fields["error"] {
            let got = "no error (on_timer ran \(times.count) time\(times.count == 1 ? "" : "s"))"
            return expectError(pattern, thrown: thrown, otherwise: got)
        }
        if let thrown { return ["on_timer failed: \(thrown)"] }
        return fields["emits"].map { expectEmits($0, got: emitted) } ?? []
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// `error = pattern`: the call must have failed with a matching message.
    private func expectError(_ pattern: LuaValue, thrown: String?, otherwise got: String) -> [String] {
        guard let thrown else { return ["error: expected an error\(describePattern(pattern)), got \(got)"] }
        return matches(thrown, pattern) ? [] : ["error: expected an error\(describePattern(pattern)), got: \(thrown)"]
    }

    /// `emits = { ... }`: the records emitted, in order (a single record may stand for a list of one).
    private func expectEmits(_ emits: LuaValue, got emitted: [DataValue]) -> [String] {
        do {
            let want = try lua.data(emits, root: "emits")
            let list = want.arrayValue ?? (want.objectValue?.isEmpty == true ? [] : [want])
            return DataDiff(lua: lua).differences(expected: .array(list), got: .array(emitted), path: "emits")
        } catch {
            return ["emits: \(error.message)"]
        }
    }

    /// `error = true` accepts any error; a string is a Lua pattern the message must contain.
    private func matches(_ message: String, _ pattern: LuaValue) -> Bool {
        guard case .string(let text) = pattern else { return pattern.booleanValue == true }
        guard case .table(let string) = try? lua.global("string"), let find = try? lua.get(string, "find").functionValue,
            let found = try? lua.call(find, message, text).first
        else { return false }
        return !found.isNil
    }

    private func describePattern(_ pattern: LuaValue) -> String {
        guard case .string(let text) = pattern else { return "" }
        return " matching \"\(text)\""
    }
}
