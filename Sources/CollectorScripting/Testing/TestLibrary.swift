import CollectorValues
import LuaRuntime

/// What a `*_test.lua` file has at hand: `test(name, fn)`, the `expect`
/// assertions, `run(processor, record [, meta])`, `advance(processor, duration)`
/// and `tick(processor, now)`, `start(processor [, options])`, `finish(processor)`
/// (see `TimerLibrary`) and `array(t)`.
///
/// Assertions raise an error at the test's own line (`error(msg, 2)`), so a
/// failure names the line of the assertion that failed.
enum TestLibrary {
    /// Installs the globals in `lua`; returns the list `test` fills, in order.
    static func install(in lua: LuaState, now: SimulatedNow) throws -> LuaTable {
        // diff(got, want): nil when equal, else the differences, one per line.
        let compare = try lua.function("diff") { [unowned lua] call in
            let got = try data(call.value(1), "got", in: lua)
            let want = try data(call.value(2), "expected", in: lua)
            let lines = DataDiff(lua: lua).differences(expected: want, got: got, path: "")
            if lines.isEmpty { return 0 }
            try call.push(lines.joined(separator: "\n"))
            return 1
        }
        let describe = try lua.function("describe") { [unowned lua] call in
            let value = call.value(1)
            if let converted = try? data(value, "value", in: lua) {
                try call.push(DataDiff(lua: lua).describe(converted))
            } else {
                try call.push(try lua.describe(value))
            }
            return 1
        }
        let meta = try RecordMeta(in: lua)
        let run = try lua.function("run") { [unowned lua] call in
            let target = call.value(1)
            let process: LuaFunction
            if let function = target.functionValue {
                process = function
            } else if case .table(let module) = target, let function = try lua.get(module, "process").functionValue {
                process = function
            } else {
                throw LuaCallError("run: a processor module (a table with process) or a function expected, got \(target.typeName)")
            }
            let record = try call.data(2)
            if let problem = ProcessOutput.inputProblem(with: record) { throw LuaCallError("run: \(problem)") }
            var given = DataObject()
            if call.argumentCount >= 3, !call.value(3).isNil {
                let value = try call.data(3)
                guard let object = value.objectValue ?? (value.arrayValue?.isEmpty == true ? DataObject() : nil) else {
                    throw LuaCallError("run: meta must be a table of named values, got \(value.typeName)")
                }
                given = object
            }
            let emit = try EmitFunction(in: lua)
            // As the pipeline does: a fresh table in, and what comes out must be a record.
            let returned = try meta.with(.given(given)) { try lua.callTransform(process, record, emit.function, meta.value) }
            if let returned, let problem = ProcessOutput.problem(with: returned) { throw LuaCallError(problem) }
            if let returned { try call.push(data: returned) } else { try call.push(LuaValue.nil) }
            try call.push(data: .array(emit.values))
            return 2
        }
        // The array marker's metatable is hidden from scripts; Swift sets it.
        let markArray = try lua.function("array") { call in
            try call.markTable(1, asArray: true)
            call.pushArgument(1)
            return 1
        }
        let prelude = try lua.load(source, name: "=expect")
        let timer = try TimerLibrary.functions(in: lua, now: now)
        let hooks = try ModuleHooksLibrary.functions(in: lua)
        let returned = try lua.call(prelude, compare, describe, run, markArray, timer.advance, timer.tick, hooks.start, hooks.finish)
        guard case .table(let tests)? = returned.first else { throw LuaError(.misuse, "the test library did not load") }
        return tests
    }

    /// The value as data; `nil` for Lua's nil (which is not `null`).
    private static func data(_ value: LuaValue, _ root: String, in lua: LuaState) throws -> DataValue? {
        if value.isNil { return nil }
        return try lua.data(value, root: root)
    }

    /// The assertions, in Lua: they only decide and word the failure; the
    /// comparison itself (type-faithful, field by field) is `diff`.
    static let source = #"""
        local diff, describe, run_process, mark_array, advance_timer, tick_timer, start_module, finish_module = ...
        local tests = {}

        function test(name, fn)
          if type(name) ~= "string" then error("test: the name must be a string, got " .. type(name), 2) end
          if type(fn) ~= "function" then error("test: the body must be a function, got " .. type(fn), 2) end
          tests[#tests + 1] = { name = name, fn = fn }
        end

        function array(t) return mark_array(t or {}) end

        run = run_process
        advance = advance_timer
        tick = tick_timer
        start = start_module
        finish = finish_module

        local function convertible(v)
          local t = type(v)
          return t ~= "function" and t ~= "thread" and (t ~= "userdata" or v == null)
        end

        local function fail(note, message)
          error((note and (tostring(note) .. ": ") or "") .. message, 3)
        end

        expect = {}

        -- rawequal(1, 1.0) is true in Lua: the number kinds must agree as well.
        local function same(a, b) return rawequal(a, b) and math.type(a) == math.type(b) end

        function expect.eq(got, want, note)
          if same(got, want) then return end
          if not (convertible(got) and convertible(want)) then
            fail(note, "expected " .. describe(want) .. ", got " .. describe(got))
          end
          local differences = diff(got, want)
          if differences then fail(note, differences) end
        end

        function expect.ne(got, other, note)
          if same(got, other) or (convertible(got) and convertible(other) and not diff(got, other)) then
            fail(note, "expected a value other than " .. describe(other))
          end
        end

        function expect.truthy(v, note)
          if not v then fail(note, "expected a true value, got " .. describe(v)) end
        end

        function expect.falsy(v, note)
          if v then fail(note, "expected false or nil, got " .. describe(v)) end
        end

        function expect.is_nil(v, note)
          if v ~= nil then fail(note, "expected nil, got " .. describe(v)) end
        end

        function expect.near(got, want, tolerance, note)
          tolerance = tolerance or 1e-9
          if type(got) ~= "number" or type(want) ~= "number" then
            fail(note, "expected numbers, got " .. describe(got) .. " and " .. describe(want))
          end
          if math.abs(got - want) > tolerance then
            fail(note, "expected " .. describe(want) .. " (within " .. tostring(tolerance) .. "), got " .. describe(got))
          end
        end

        function expect.match(s, pattern, note)
          if type(s) ~= "string" then fail(note, "expected a string matching \"" .. pattern .. "\", got " .. describe(s)) end
          if not string.find(s, pattern) then fail(note, "expected a string matching \"" .. pattern .. "\", got " .. describe(s)) end
        end

        function expect.error(fn, pattern, note)
          local ok, err = pcall(fn)
          local wanted = pattern and (" matching \"" .. pattern .. "\"") or ""
          if ok then fail(note, "expected an error" .. wanted .. ", got none") end
          local message = type(err) == "string" and err or describe(err)
          if pattern and not string.find(message, pattern) then
            fail(note, "expected an error" .. wanted .. ", got: " .. message)
          end
          return message
        end

        return tests
        """#
}
