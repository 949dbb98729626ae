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

    @Test func aLoneCarriageReturnIsData() {
        #expect(split(Array("a\rb\n".utf8), piece: 100) == ["a\rb"])
    }
}
