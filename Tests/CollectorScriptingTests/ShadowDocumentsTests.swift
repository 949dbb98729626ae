import CollectorValues
import Collectors
import Foundation
import Testing

@testable import CollectorScripting

/// A shadow run beside a first processor takes the JSON documents as the
/// live version does (bytes decoded straight into its Lua states), and
/// compares and reports them as it does records.
@Suite("shadow runs on JSON documents")
struct ShadowDocumentsTests {
    @Test func theDocumentsAreComparedAsTheLiveVersionReadThem() async throws {
        let options = LuaProcessorOptions(parallelism: 2)
        let live = try await LuaProcessor.load(name: "readings", source: """
            return function(r) if r.value == nil then return nil end r.f = r.value * 1.8 + 32 return r end
            """, options: options)
        let new = try await LuaProcessor.load(name: "readings", source: """
            return function(r) if r.value == nil then return { empty = true } end r.f = r.value * 2 + 32 return r end
            """, options: options)
        let manager = ProcessingManager(processors: [live])
        let shadow = ShadowRun(processor: new)
        await manager.setShadow(shadow, at: 0)
        let lines = [
            #"{"value":0.0,"i":9007199254740993}"#,  // the same: 32.0 both ways, the integer exact
            #"{"value":10}"#,  // 50.0 against 52
            #"{"other":1}"#,  // dropped by the live version, kept by the new one
            "not json",  // fails to decode in both
            #"{"value":0.0,"s":"\u00e9"}"#,
        ]
        let documents = lines.enumerated().map { JSONDocument(Array($0.element.utf8)[...], sourceID: "s", sequence: UInt64($0.offset + 1)) }
        let output = await manager.process(documents: documents)
        #expect(output.map { $0.value["f"] } == [.double(32.0), .double(50.0), .double(32.0)], "the live outputs pass")
        await shadow.settle()
        let counts = shadow.counts
        #expect(counts.compared == 5 && counts.skipped == 0)
        #expect(counts.same == 3 && counts.different == 1 && counts.onlyNew == 1 && counts.onlyOld == 0 && counts.failed == 0, "\(counts)")
        let examples = shadow.examples
        #expect(examples.map(\.kind) == [.different, .onlyNew])
        // The input of an example is the document, decoded when it is kept.
        #expect(examples.first?.input == .object(["value": .integer(10)]))
        #expect(examples.first?.old == [.object(["value": .integer(10), "f": .double(50.0)])])
        #expect(examples.first?.new == [.object(["value": .integer(10), "f": .integer(52)])])
        #expect(examples.last?.input == .object(["other": .integer(1)]) && examples.last?.old == [])
    }
}
