import CollectorHTTPSources
import CollectorSources
import Testing

@Suite struct SSEParserTests {
    private func parse(_ text: [UInt8], piece: Int, max: Int = 1 << 20) -> [SSEParser.Output] {
        var parser = SSEParser(maxEventSize: max)
        var outputs: [SSEParser.Output] = []
        var i = 0
        while i < text.count {
            let end = min(text.count, i + piece)
            outputs += parser.feed(Array(text[i..<end]))
            i = end
        }
        return outputs
    }

    private func event(_ type: String, _ data: String, _ id: String) -> SSEParser.Output {
        .event(SSEEvent(type: type, data: Array(data.utf8), lastEventID: id))
    }

    @Test(arguments: [1, 2, 3, 5, 1000])
    func theStandardsCasesWhateverTheChunking(piece: Int) {
        let stream =
            [0xEF, 0xBB, 0xBF] + Array(
                ": comment\ndata: one\n\nevent: update\r\ndata: two\r\ndata: lines\r\nid: 7\r\n\r\ndata: three\rid\r\rretry: 50\ndata:no space\n\ndata\n\nid: a\0b\ndata: x\n\nretry: 5x\ndata: unfinished"
                    .utf8)
        #expect(
            parse(stream, piece: piece) == [
                event("message", "one", ""), event("update", "two\nlines", "7"), event("message", "three", ""),
                .retry(50), event("message", "no space", ""), event("message", "", ""), event("message", "x", ""),
            ])
    }

    @Test func anEventWithoutDataIsNotDispatched() {
        #expect(parse(Array("event: ping\nid: 3\n\ndata: y\n\n".utf8), piece: 4) == [event("message", "y", "3")])
    }

    @Test(arguments: [7, 64, 4096])
    func anOversizeEventIsSkippedAndReported(piece: Int) {
        let big = "data: " + String(repeating: "z", count: 300) + "\ndata: more\n\n"
        let outputs = parse(Array((big + "data: ok\n\n").utf8), piece: piece, max: 100)
        #expect(outputs.count == 2)
        if case .oversize(let size) = outputs.first { #expect(size > 100) } else { Issue.record("no oversize: \(outputs)") }
        #expect(outputs.last == event("message", "ok", ""))
    }
}
