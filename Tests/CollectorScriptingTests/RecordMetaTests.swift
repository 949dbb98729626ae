import CollectorValues
import Collectors
import Testing

@testable import CollectorScripting

/// `meta`, the third argument of `process`, at the level of one processor:
/// who gets it, what it answers, and what it refuses.
@Suite("record metadata in Lua processors")
struct RecordMetaTests {
    @Test func onlyAProcessThatTakesMetaReadsOrigins() async throws {
        let cases = [
            ("return function(r) return r end", false),
            ("return function(r, emit) return r end", false),
            ("return function(r, emit, meta) return r end", true),
            ("return function(...) return (...) end", true),
            ("return { process = function(r, _, meta) return r end }", true),
        ]
        for (source, reads) in cases {
            let processor = try await LuaProcessor.load(name: "p", source: source, options: LuaProcessorOptions(parallelism: 1))
            #expect(processor.readsOrigin == reads, "\(source)")
        }
    }

    @Test func documentsGiveTheirOriginAndOutputsKeepIt() async throws {
        let processor = try await LuaProcessor.load(name: "p", source: """
            return function(r, emit, meta)
              r.at = meta.path .. ":" .. meta.line
              r.seq = meta.sequence
              r.topic = meta.topic
              emit({ copy = true })
              return r
            end
            """, options: LuaProcessorOptions(parallelism: 1))
        let item = ItemMetadata(["path": "a.log", "line": 10, "topic": "t1"])
        var document = JSONDocument(Array(#"{"n":1}"#.utf8)[...], sourceID: "s", sequence: 7)
        document.item = item
        document.line = 12
        let result = try #require(await processor.process(documents: [document]).first)
        #expect(result.success, "\(String(describing: result.error))")
        #expect(result.records.map(\.value) == [["copy": true], ["n": 1, "at": "a.log:12", "seq": 7, "topic": "t1"]])
        #expect(result.records.allSatisfy { $0.origin?.item === item }, "emitted and kept records keep the origin")
    }

    @Test func aRecordWithoutOriginHasOnlyItsOwnFields() async throws {
        let processor = try await LuaProcessor.load(name: "p", source: """
            return function(r, emit, meta)
              local keys = {}
              for k in pairs(meta) do keys[#keys + 1] = k end
              table.sort(keys)
              r.keys = table.concat(keys, ",")
              r.path = meta.path == nil
              r.text = tostring(meta)
              return r
            end
            """, options: LuaProcessorOptions(parallelism: 1))
        let result = await processor.process(batch: [Record(["n": 1], sourceID: "s", sequence: 1)])
        #expect(result.first?.records.first?.value == ["n": 1, "keys": "collected_at,record_id,sequence,source_id", "path": true, "text": "meta"])
    }

    @Test func writingToMetaFailsThatRecordOnly() async throws {
        let processor = try await LuaProcessor.load(name: "p", source: """
            return function(r, emit, meta)
              if r.n == 1 then meta.source_id = "x" end
              if r.n == 2 then rawset(meta, "k", 1) end
              return r
            end
            """, options: LuaProcessorOptions(parallelism: 1))
        let results = await processor.process(batch: [1, 2, 3].map { Record(["n": .integer($0)], sourceID: "s", sequence: UInt64($0)) })
        #expect(results.map(\.success) == [false, false, true])
        #expect(results[0].error?.message == "p:2: meta is read-only (assigning meta.source_id): copy what you need into the record")
        #expect(results[1].error?.message.contains("bad argument #1 to 'rawset' (table expected, got meta)") == true, "\(results[1].error?.message ?? "")")
    }
}
