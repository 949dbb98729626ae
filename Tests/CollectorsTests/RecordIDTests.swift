import CollectorMocks
import CollectorValues
@testable import Collectors
import Foundation
import Testing

@Suite("Record ids")
struct RecordIDTests {
    @Test func theHashIsMurmurHash3x64Of128Bits() {
        // The reference implementation's results for seed 0.
        let vectors: [(String, UInt64, UInt64)] = [
            ("", 0, 0),
            ("hello", 0xcbd8_a7b3_41bd_9b02, 0x5b1e_906a_48ae_1d19),
            ("The quick brown fox jumps over the lazy dog", 0xe34b_bc7b_bc07_1b6c, 0x7a43_3ca9_c49a_9347),
            ("0123456789abcdef", 0x4be0_6d94_cf4a_d1a7, 0x87c3_5b5c_63a7_08da),
            ("0123456789abcdefX", 0xcdeb_d2ac_b570_d6f7, 0x8f72_1197_8210_4b27),
        ]
        for (text, high, low) in vectors {
            let hash = Hash128.hash(text)
            #expect(hash.0 == high && hash.1 == low, "\(text)")
        }
    }

    @Test func anIDIsAVersion8UUIDBothWays() throws {
        let id = RecordID.unique()
        let text = id.uuidString
        #expect(text.count == 36)
        #expect(Array(text)[14] == "8", "version 8: \(text)")
        #expect("89ab".contains(Array(text)[19]), "variant 10: \(text)")
        #expect(text == text.lowercased())
        #expect(try #require(RecordID(bytes: id.bytes)) == id)
        #expect(UUID(uuidString: text) != nil)
        #expect(RecordID(bytes: [UInt8](repeating: 0, count: 16)) == nil, "not version 8")
        #expect(RecordID(bytes: [1, 2, 3]) == nil)
    }

    @Test func idsOfAStablePlaceAreTheSameInEveryRunAndDifferForOtherBytes() {
        func id(_ source: String, _ key: String, _ index: Int, _ text: String) -> RecordID {
            Array(text.utf8).withUnsafeBytes { RecordID(sourceID: source, key: key, index: index, bytes: $0) }
        }
        let first = id("log", "1:2:300", 0, #"{"a":1}"#)
        #expect(first == id("log", "1:2:300", 0, #"{"a":1}"#))
        #expect(first != id("log", "1:2:300", 0, #"{"a":2}"#), "a place reused for other data")
        #expect(first != id("log", "1:2:301", 0, #"{"a":1}"#))
        #expect(first != id("log", "1:2:300", 1, #"{"a":1}"#))
        #expect(first != id("other", "1:2:300", 0, #"{"a":1}"#))
        #expect(id("a", "bc", 0, "x") != id("ab", "c", 0, "x"), "source and key do not run together")
    }

    @Test func childrenAndUniqueIDsAreDistinct() {
        let parent = RecordID.unique()
        let children = (0..<100).map { parent.child($0) }
        #expect(Set(children).count == 100)
        #expect(!children.contains(parent))
        #expect(parent.child(3) == parent.child(3))
        let many = (0..<10_000).map { _ in RecordID.unique() }
        #expect(Set(many).count == 10_000)
    }

    @Test func idsOfACounterIncreaseAndStayDistinctAcrossTheWrap() {
        // A base whose 62 bits below the variant are all ones but the last:
        // the counter wraps after one step.
        let base = RecordID(high: 0x1234, low: 0xFFFF_FFFF_FFFF_FFFE)
        let ids = (1...1_000).map { base.offset(by: UInt64($0)) }
        #expect(Set(ids + [base]).count == 1_001)
        #expect(ids.allSatisfy { RecordID(bytes: $0.bytes) == $0 }, "still version 8, variant 10")
        #expect(ids[0] > base, "the last id before the wrap")
        #expect(Array(ids.dropFirst()) == ids.dropFirst().sorted(), "after the wrap, increasing again")
        // Ids made one after another go in at the end of an index: their
        // bytes (what SQLite and PostgreSQL compare) increase too.
        let start = RecordID(high: 0x1234, low: 0x00FF_FFFF_FFFF_FF00)
        let bytes = (1...1_000).map { start.offset(by: UInt64($0)).bytes }
        #expect(zip(bytes, bytes.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
    }

    @Test func theDecoderGivesKeyedItemsTheSameIDsInEveryRun() {
        let payload = Array("{\"n\":1}\n{\"n\":2}\n".utf8)
        let keyed = CollectedData(sourceID: "f", format: .jsonLines, method: .fileTail, payload: payload, key: "9:9:0")
        var first = RecordDecoder()
        var second = RecordDecoder()
        let a = first.decode(keyed).records.map(\.id)
        let b = second.decode(keyed).records.map(\.id)
        #expect(a.count == 2 && a == b)
        #expect(a[0] != a[1])
        var third = RecordDecoder()
        #expect(third.documents(keyed)?.map(\.id) == a, "documents and records agree")
        // Without a key, ids are new in every run.
        let plain = CollectedData(sourceID: "f", format: .jsonLines, method: .fileTail, payload: payload)
        var fourth = RecordDecoder()
        var fifth = RecordDecoder()
        let c = fourth.decode(plain).records.map(\.id)
        #expect(Set(c + fifth.decode(plain).records.map(\.id)).count == 4)
    }

    @Test func processorsOutputsGetTheirInputsIDOrItsChildren() async {
        let split = MockProcessor(name: "split", transform: { r in .success([r.with(value: 1), Record(2, sourceID: "x", sequence: 9)]) })
        let same = MockProcessor(name: "same", transform: { r in .success(Record(r.value, sourceID: "x", sequence: 9)) })
        let input = record("in")
        let splitOut = await ProcessingManager(processors: [split], errorHandler: MockErrorHandler()).process(input)
        #expect(splitOut.map(\.id) == [input.id.child(0), input.id.child(1)])
        let sameOut = await ProcessingManager(processors: [same], errorHandler: MockErrorHandler()).process(input)
        #expect(sameOut.map(\.id) == [input.id], "whatever the processor put")
    }
}
