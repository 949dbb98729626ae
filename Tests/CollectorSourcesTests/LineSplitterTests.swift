import CollectorSources
import Testing

@Suite struct LineSplitterTests {
    /// Every line and skip, feeding `input` in pieces of `piece` bytes.
    private func split(_ input: [UInt8], piece: Int, max: Int = 100) -> [String] {
        var splitter = LineSplitter(maxLineLength: max)
        var out: [String] = []
        var index = 0
        while true {
            switch splitter.next() {
            case .line(let range): out.append(String(decoding: splitter.bytes[range], as: UTF8.self))
            case .oversize(let length): out.append("<oversize \(length)>")
            case .needMore:
                if index >= input.count {
                    if let rest = splitter.remainder() { out.append(String(decoding: splitter.bytes[rest], as: UTF8.self)) }
                    #expect(splitter.consumed == Int64(input.count))
                    return out
                }
                let end = min(input.count, index + piece)
                splitter.append(Array(input[index..<end]))
                index = end
            }
        }
    }

    @Test(arguments: [1, 2, 3, 7, 1000])
    func linesWhateverTheChunking(piece: Int) {
        let input = Array("a\nbb\r\n\nccc\r\nlast".utf8)
        #expect(split(input, piece: piece) == ["a", "bb", "", "ccc", "last"])
    }

    @Test(arguments: [1, 5, 64])
    func anOversizeLineIsSkippedWhole(piece: Int) {
        let long = String(repeating: "x", count: 30)
        let input = Array("ok\n\(long)\nafter\n\(long)".utf8)
        #expect(split(input, piece: piece, max: 10) == ["ok", "<oversize 31>", "after"])
    }

    @Test(arguments: [1, 5, 64])
    func anOversizeLastLineWithoutNewlineIsReportedAtTheEnd(piece: Int) {
        let long = Array(String(repeating: "x", count: 30).utf8)
        let input = Array("ok\n".utf8) + long
        var splitter = LineSplitter(maxLineLength: 10, oversizePrefixLimit: 4)
        var found: [String] = []
        var index = 0
        while true {
            switch splitter.next() {
            case .line(let range): found.append(String(decoding: splitter.bytes[range], as: UTF8.self))
            case .oversize(let length): found.append("<oversize \(length)>")
            case .needMore:
                guard index < input.count else {
                    if case .oversize(let length) = splitter.end() {
                        found.append("<oversize \(length) at the end, starting \(String(decoding: splitter.oversizePrefix, as: UTF8.self))>")
                    }
                    #expect(found == ["ok", "<oversize 30 at the end, starting xxxx>"])
                    #expect(splitter.consumed == Int64(input.count))
                    #expect(splitter.end() == .needMore)
                    return
                }
                let end = min(input.count, index + piece)
                splitter.append(Array(input[index..<end]))
                index = end
            }
        }
    }

    @Test func theEndGivesAnUnterminatedLineWithinTheLimit() {
        var splitter = LineSplitter(maxLineLength: 10)
        splitter.append(Array("a\nlast".utf8))
        guard case .line(let first) = splitter.next() else { return #expect(Bool(false), "no first line") }
        #expect(String(decoding: splitter.bytes[first], as: UTF8.self) == "a")
        #expect(splitter.next() == .needMore)
        guard case .line(let last) = splitter.end() else { return #expect(Bool(false), "no last line") }
        #expect(String(decoding: splitter.bytes[last], as: UTF8.self) == "last")
    }

    @Test func aLoneCarriageReturnIsData() {
        #expect(split(Array("a\rb\n".utf8), piece: 100) == ["a\rb"])
    }
}
