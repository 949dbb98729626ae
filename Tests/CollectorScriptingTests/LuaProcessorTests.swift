import CollectorValues
import Collectors
import Foundation
import Testing

@testable import CollectorScripting
import LuaRuntime

func records(_ values: [DataValue], source: String = "test") -> [Record] {
    values.enumerated().map { Record($0.element, sourceID: source, sequence: UInt64($0.offset)) }
}

@Suite("Lua processors")
struct LuaProcessorTests {
    @Test func aPlainFunctionKeepsDropsAndTransforms() async throws {
        let processor = try await LuaProcessor.load(name: "double", source: """
            return function(r)
              if r.skip then return nil end
              r.value = r.value * 2
              return r
            end
            """)
        let results = await processor.process(batch: records([["value": 2], ["value": 1.5, "skip": true], ["value": 7]]))
        #expect(results.map(\.success) == [true, true, true])
        #expect(results[0].records.map(\.value) == [["value": 4]])
        #expect(results[1].records.isEmpty)
        #expect(results[2].records.map(\.value) == [["value": 14]])
    }

    @Test func emitSendsAnyNumberOfRecordsInOrder() async throws {
        let processor = try await LuaProcessor.load(name: "split", source: """
            return function(r, emit)
              for _, item in ipairs(r.items) do emit({ item = item, batch = r.id }) end
            end
            """)
        let result = try #require(await processor.process(batch: records([["id": 1, "items": ["a", "b", "c"]]])).first)
        #expect(result.records.map(\.value) == [
            ["item": "a", "batch": 1], ["item": "b", "batch": 1], ["item": "c", "batch": 1],
        ])
        #expect(result.records.allSatisfy { $0.sequence == 0 && $0.sourceID == "test" })
    }

    @Test func moduleHooksAndStateThatPersistsBetweenRecords() async throws {
        let processor = try await LuaProcessor.load(name: "counter", source: """
            local M = { parallel = false }  -- one state: `seen` counts every record
            local seen, label = 0, nil
            function M.init(ctx) label = ctx.name end
            function M.process(r) seen = seen + 1 r.n = seen r.by = label return r end
            function M.shutdown(emit) emit({ total = seen }) end
            return M
            """)
        let results = await processor.process(batch: records([[:], [:], [:]]))
        #expect(results.flatMap(\.records).map { $0.value["n"] } == [1, 2, 3])
        #expect(results[0].records[0].value["by"] == "counter")
        #expect(processor.stateCount == 1)
        let shutdown = await processor.shutdown()
        #expect(try shutdown.first?.get() == [["total": 3]])
        #expect(try await processor.shutdown().first?.get() == [], "a shutdown hook runs once")
    }

    @Test func statelessProcessorsRunInParallelStatesAndKeepOrder() async throws {
        let processor = try await LuaProcessor.load(
            name: "tag", source: "return function(r) r.seen = true return r end",
            options: LuaProcessorOptions(parallelism: 3))
        #expect(processor.stateCount == 3)
        let input = (0..<100).map { DataValue.object(["i": .integer(Int64($0))]) }
        let results = await processor.process(batch: records(input))
        #expect(results.flatMap(\.records).map { $0.value["i"] } == input.map { $0["i"] })
    }

    @Test func initSeesTheStatesThereAreWhenTheModuleOptsOut() async throws {
        let processor = try await LuaProcessor.load(name: "alone", source: """
            local seen
            return {
              parallel = false,
              init = function(ctx) seen = ctx.worker .. "/" .. ctx.workers end,
              process = function(r) r.seen = seen return r end,
            }
            """, options: LuaProcessorOptions(parallelism: 4))
        #expect(processor.stateCount == 1)
        let results = await processor.process(batch: records([[:]]))
        #expect(results.first?.records.first?.value["seen"] == "1/1")
    }

    @Test func aModuleWithANonBooleanParallelFlagIsRejected() async throws {
        let error = await #expect(throws: LuaError.self) {
            try await LuaProcessor.load(name: "bad", source: "return { parallel = 2, process = function(r) return r end }")
        }
        #expect(error?.message.contains("'parallel' must be a boolean, got number") == true)
    }

    @Test func jsonDocumentsAreDecodedStraightIntoLuaWithTheirTypes() async throws {
        let processor = try await LuaProcessor.load(name: "types", source: """
            return function(r)
              r.kinds = string.format("%s %s %s %s %s", math.type(r.i), math.type(r.f), r.n == null,
                type(r.a), getmetatable(r.e) ~= nil)
              return r
            end
            """, options: LuaProcessorOptions(parallelism: 1))
        let text = #"{"i":9007199254740993,"f":1.0,"n":null,"a":[1,"x\u00e9"],"e":[],"o":{},"s":"tab\tend"}"#
        let documents = [JSONDocument(Array(text.utf8)[...], sourceID: "src", sequence: 7)]
        let result = try #require(await processor.process(documents: documents).first)
        let record = try #require(result.records.first)
        #expect(record.sourceID == "src" && record.sequence == 7)
        #expect(record.value["kinds"] == "integer float true table true")
        #expect(record.value["i"] == .integer(9_007_199_254_740_993))
        #expect(record.value["f"] == .double(1.0))
        #expect(record.value["n"] == .null)
        #expect(record.value["a"] == [1, "x\u{e9}"])
        #expect(record.value["e"] == .array([]))
        #expect(record.value["o"] == .object([:]))
        #expect(record.value["s"] == "tab\tend")
        // The same text through the DataValue path gives the same record.
        let viaValue = await processor.process(batch: [Record(try JSONReader().read(text), sourceID: "src", sequence: 7)])
        #expect(viaValue.first?.records.first?.value == record.value)
    }

    /// Tables are sized by the last container at the same depth: a stream
    /// whose shapes grow, shrink and nest deeper than the decoder's first
    /// buffers decodes as each value does on its own.
    @Test func documentsOfChangingShapesDecodeAsTheirValues() async throws {
        let processor = try await LuaProcessor.load(
            name: "id", source: "return function(r) return r end", options: LuaProcessorOptions(parallelism: 1))
        func nested(_ depth: Int, width: Int) -> DataValue {
            guard depth > 0 else { return .integer(Int64(width)) }
            let items = (0..<width).map { nested(depth - 1 - $0 % 2, width: max(1, width - 1)) }
            if depth % 2 == 0 { return .array(items) }
            return .object(DataObject(items.enumerated().map { ("k\($0.offset)", $0.element) }))
        }
        var values: [DataValue] = []
        for i in 0..<40 {
            let width = [1, 9, 0, 3, 70, 2][i % 6]
            var record: DataObject = ["i": .integer(Int64(i)), "list": .array((0..<width).map { .integer(Int64($0)) })]
            for f in 0..<width { record["f\(f)"] = .string("v\(f)") }
            record["deep"] = nested(i % 25, width: 2)
            values.append(.object(record))
        }
        let documents = try values.enumerated().map {
            JSONDocument(try JSONWriter().bytes($0.element)[...], sourceID: "s", sequence: UInt64($0.offset + 1))
        }
        let decoded = await processor.process(documents: documents).map { $0.records.first?.value }
        #expect(decoded.count == values.count)
        for (i, (got, expected)) in zip(decoded, values).enumerated() {
            #expect(got == expected, "record \(i)")
        }
    }

    @Test func aDocumentThatIsNotJSONFailsAloneWithWhereItBroke() async throws {
        let processor = try await LuaProcessor.load(
            name: "id", source: "return function(r) return r end", options: LuaProcessorOptions(parallelism: 2))
        let texts = [#"{"a":1}"#, #"{"a":2,}"#, #"{"a":3}"#, "not json", #"{"deep":"#]
        let documents = texts.enumerated().map {
            JSONDocument(Array($0.element.utf8)[...], sourceID: "s", sequence: UInt64($0.offset + 1))
        }
        let results = await processor.process(documents: documents)
        #expect(results.map(\.success) == [true, false, true, false, false])
        #expect(results[2].records.first?.value == ["a": 3])
        let error = try #require(results[1].error)
        #expect(error.type == .validation && error.operation == "decode")
        #expect(error.message.contains("trailing comma"))
        #expect(error.details["offset"] == .integer(6))
        #expect(results[4].error?.message.contains("end of input") == true)
        // The processor's state is fine after the failures.
        #expect(await processor.process(documents: [documents[0]]).first?.success == true)
    }

    @Test func nestingBeyondTheStateLimitIsAnErrorNotACrash() async throws {
        let processor = try await LuaProcessor.load(
            name: "id", source: "return function(r) return r end", options: LuaProcessorOptions(parallelism: 1))
        let text = String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        let result = try #require(await processor.process(documents: [JSONDocument(Array(text.utf8)[...], sourceID: "s", sequence: 1)]).first)
        #expect(!result.success)
        #expect(result.error?.details["json_error"] == "depthLimitExceeded")
    }

    /// The shared benchmark folder beside the checkout (where the canonical workload lives).
    static let sharedProcessor = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/bench/processor.lua").standardizedFileURL.path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: sharedProcessor), "needs the shared benchmark folder beside the checkout"))
    func theSharedBenchmarkProcessorRunsUnchanged() async throws {
        let processor = try await LuaProcessor.load(file: Self.sharedProcessor)
        let input: [DataValue] = [
            ["sensor_id": "s-1", "value": 40.0, "unit": "C", "ts": 1, "tags": ["line": "a"]],
            ["sensor_id": "s-2", "value": 20.73, "unit": "RH", "ts": 2],
            ["sensor_id": "s-3", "value": "n/a", "unit": "C", "ts": 3],
        ]
        let results = await processor.process(batch: records(input))
        let first = try #require(results[0].records.first?.value)
        #expect(first["value"] == .double(104.0))
        #expect(first["unit"] == "F")
        #expect(first["severity"] == "high")
        #expect(first["ts"] == .integer(1))  // integers stay integers
        #expect(first["tags"] == ["line": "a"])
        #expect(results[1].records.first?.value["severity"] == "normal")
        #expect(results[2].records.isEmpty)  // dropped: value is not a number
    }

    @Test func oneFailingRecordDoesNotAffectTheOthers() async throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/misbehaving_processor.lua")
        let processor = try await LuaProcessor.load(
            name: "picky", source: try String(contentsOf: fixture, encoding: .utf8), chunkName: "@picky.lua",
            options: LuaProcessorOptions(memoryLimit: 16 << 20, instructionLimit: 2_000_000))
        let kinds = ["ok", "error", "loop", "memory", "number", "cycle", "function", "os", "io", "ok"]
        let input: [DataValue] = kinds.enumerated().map { ["id": .integer(Int64($0.offset)), "kind": .string($0.element)] }
        let results = await processor.process(batch: records(input))
        #expect(results.map(\.success) == [true, false, false, false, false, false, false, false, false, true])
        #expect(results[9].records.first?.value["id"] == 9)

        let messages = results.map { $0.error?.message ?? "" }
        #expect(messages[1] == "picky.lua:2: bad record 1")
        #expect(messages[2] == "picky.lua:3: instruction limit exceeded (2000000 instructions)", "a limit names the line it stopped")
        #expect(messages[3].contains("not enough memory"))
        #expect(messages[4].contains("must return a record (a table), an array, a string or nil, got integer"))
        #expect(messages[5] == "cannot convert result.self: a table that contains itself (a cycle)")
        #expect(messages[6] == "cannot convert result.f: cannot convert a function to data")
        #expect(messages[7].contains("attempt to call a nil value (field 'execute')"))
        #expect(messages[8].contains("attempt to index a nil value (global 'io')"))

        let error = try #require(results[1].error)
        #expect(error.layer == .processing)
        #expect(error.type == .processing)
        #expect(error.details["processor"] == "picky")
        #expect(error.details["script_hash"] == .string(processor.scriptHash))
        #expect(error.details["line"] == 2)
        #expect(error.details["sequence"] == 1)
        #expect(error.details["traceback"]?.stringValue?.contains("stack traceback:") == true)
        #expect(results[2].error?.type == .limit)
        #expect(results[3].error?.type == .limit)
    }

    @Test func brokenScriptsFailToLoadWithWhereAndWhat() async throws {
        await #expect(throws: LuaError.self) {
            _ = try await LuaProcessor.load(name: "syntax", source: "return function(r) return r", chunkName: "@s.lua")
        }
        do {
            _ = try await LuaProcessor.load(name: "init", source: "return { init = function() error('no config') end, process = function(r) return r end }", chunkName: "@i.lua")
            Issue.record("a failing init must fail the load")
        } catch let error as LuaError {
            #expect(error.message == "i.lua:1: no config")
        }
        do {
            _ = try await LuaProcessor.load(name: "empty", source: "local x = 1", chunkName: "@e.lua")
            Issue.record("a script without process must fail the load")
        } catch let error as LuaError {
            #expect(error.message.contains("neither a function nor a module"))
        }
        do {
            _ = try await LuaProcessor.load(file: "/nonexistent/p.lua")
            Issue.record("a missing file must fail the load")
        } catch let error as ErrorInfo {
            #expect(error.type == .configuration)
            #expect(error.message.contains("/nonexistent/p.lua"))
        }
    }

    @Test func parallelStatesKeepInputOrder() async throws {
        let processor = try await LuaProcessor.load(name: "tag", source: """
            local worker
            return {
              init = function(ctx) worker = ctx.worker end,
              process = function(r) r.worker = worker return r end,
            }
            """, options: LuaProcessorOptions(parallelism: 4))
        let input: [DataValue] = (0..<1000).map { ["i": .integer(Int64($0))] }
        let results = await processor.process(batch: records(input))
        let output = results.flatMap(\.records)
        #expect(output.map { $0.value["i"] } == input.map { $0["i"] })
        // The states take chunks of the batch as they come free, so which
        // state did which chunk varies; each record was done by one of them.
        let workers = output.map { $0.value["worker"]?.intValue }
        #expect(workers.allSatisfy { $0.map { (1...4).contains($0) } ?? false })
    }

    @Test func emitRejectsWhatIsNotARecord() async throws {
        let processor = try await LuaProcessor.load(name: "emitter", source: "return function(r, emit) emit(5) end", chunkName: "@m.lua")
        let result = try #require(await processor.process(batch: records([[:]])).first)
        #expect(!result.success)
        #expect(result.error?.message == "m.lua:1: bad argument #1 to 'emit' (record (a table), array or string expected, got integer)")
    }
}
