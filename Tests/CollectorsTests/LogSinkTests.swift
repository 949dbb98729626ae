import Collectors
import CollectorValues
import Foundation
import Testing

/// The log's repeat suppression: what counts as the same line, and how the
/// count of lines held back is written in each format.
@Suite("log sink")
struct LogSinkTests {
    /// A sink whose lines are kept, with a window no test outlives.
    static func sink(_ format: LogFormat) -> (LogSink, Locked<[String]>) {
        let lines = Locked([String]())
        let sink = LogSink(.init(level: .info, format: format, repeatWindow: .seconds(3600))) { line in
            lines.withLock { $0.append(line) }
        }
        return (sink, lines)
    }

    @Test func linesWhoseFieldsDifferAreAllWritten() {
        let (sink, lines) = Self.sink(.logfmt)
        for worker in 1...3 { sink.log(.info, "lookup loaded", fields: [("worker", String(worker))]) }
        sink.flush()
        let written = lines.withLock { $0 }
        #expect(written.count == 3)
        for worker in 1...3 { #expect(written.contains { $0.hasSuffix("msg=\"lookup loaded\" worker=\(worker)\n") }) }
        #expect(!written.contains { $0.contains("repeated") })
    }

    @Test func theSameMessageAndFieldsAreCountedAndTheCountIsAFieldInLogfmtAndJSON() throws {
        let (logfmt, logfmtLines) = Self.sink(.logfmt)
        let (json, jsonLines) = Self.sink(.json)
        for sink in [logfmt, json] {
            for _ in 1...5 { sink.log(.warn, "same message", fields: [("processor", "p")]) }
            sink.flush()
        }
        let text = logfmtLines.withLock { $0 }
        #expect(text.count == 2)
        #expect(text.last?.hasSuffix("level=warn msg=\"same message\" processor=p repeated=4\n") == true)
        let objects = try jsonLines.withLock { $0 }.map { try JSONReader().read($0) }
        #expect(objects.count == 2)
        guard case .object(let last)? = objects.last else {
            Issue.record("not a JSON object: \(String(describing: objects.last))")
            return
        }
        #expect(last["msg"] == "same message")
        #expect(last["repeated"] == 4)
        #expect(last["processor"] == "p")
    }

    @Test func theHumanFormatSaysHowManyTimesInTheMessage() {
        let (sink, lines) = Self.sink(.human)
        for _ in 1...3 { sink.log(.info, "again") }
        sink.flush()
        #expect(lines.withLock { $0 }.last?.contains("again … repeated 2 times") == true)
    }

    /// The record a line is about (its context) does not make it another
    /// line: an error hit by every record is still one line.
    @Test func contextFieldsDoNotTellLinesApart() {
        let (sink, lines) = Self.sink(.logfmt)
        for sequence in 1...4 {
            sink.log(.warn, "bad record", fields: [("sequence", String(sequence))], context: ["sequence"])
        }
        sink.flush()
        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        #expect(written.first?.contains("sequence=1") == true)
        // The count line carries the last record's context.
        #expect(written.last?.hasSuffix("sequence=4 repeated=3\n") == true)
    }

    /// Many distinct lines at once: the sink forgets some, but writes the
    /// counts it held for them instead of dropping them.
    @Test func countsAreWrittenNotLostWhenManyDistinctLinesAreHeld() {
        let (sink, lines) = Self.sink(.logfmt)
        sink.log(.warn, "first", fields: [])
        sink.log(.warn, "first", fields: [])
        for n in 0..<1100 { sink.log(.info, "distinct", fields: [("n", String(n))]) }
        sink.flush()
        let written = lines.withLock { $0 }
        #expect(written.filter { $0.contains("msg=\"first\"") && $0.hasSuffix("repeated=1\n") }.count == 1)
        #expect(written.filter { $0.contains("msg=\"distinct\"") }.count == 1100)
    }
}
