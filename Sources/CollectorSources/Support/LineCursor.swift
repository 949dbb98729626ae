import CollectorValues
import Collectors
import Foundation

/// A `LineSplitter` plus what line sources share: line numbers, the byte
/// offset where each line starts, the length limit and the UTF-8 check,
/// turning bad lines into `ErrorInfo`s after skipping them.
struct LineCursor {
    enum Step {
        case line(payload: [UInt8], start: Int64, number: Int64)
        /// No complete line buffered; at the end of input, nothing left either.
        case needMore
    }

    let sourceID: String
    let validateUTF8: Bool
    var splitter: LineSplitter
    /// Lines taken so far (returned or skipped).
    private(set) var lineNumber: Int64 = 0

    init(sourceID: String, maxLineLength: Int, validateUTF8: Bool) {
        self.sourceID = sourceID
        self.validateUTF8 = validateUTF8
        splitter = LineSplitter(maxLineLength: maxLineLength)
    }

    /// Bytes consumed: the offset just past the last line taken.
    var offset: Int64 { splitter.consumed }

    /// The next line; with `atEnd`, an unterminated last line too.
    /// - Throws: a `.validation` `ErrorInfo` for a line over the limit or not
    ///   UTF-8; the line is already skipped, so the next call goes on after it.
    mutating func next(atEnd: Bool = false) throws(ErrorInfo) -> Step {
        let start = splitter.consumed
        let range: Range<Int>
        switch splitter.next() {
        case .line(let found):
            range = found
        case .oversize(let length):
            lineNumber += 1
            throw SourceErrors.invalidInput(
                sourceID, message: "line \(lineNumber) is longer than the limit of \(splitter.maxLineLength) bytes; skipped",
                details: [
                    "line": .integer(lineNumber), "offset": .integer(start), "length": .integer(Int64(length)),
                    "max_line_length": .integer(Int64(splitter.maxLineLength)),
                ])
        case .needMore:
            guard atEnd, let rest = splitter.remainder() else { return .needMore }
            range = rest
        }
        lineNumber += 1
        let payload = Array(splitter.bytes[range])
        if validateUTF8 {
            let valid = payload.withUnsafeBufferPointer { UTF8Validation.isValid($0) }
            if !valid {
                throw SourceErrors.invalidInput(
                    sourceID, message: "line \(lineNumber) is not valid UTF-8; skipped",
                    details: ["line": .integer(lineNumber), "offset": .integer(start), "length": .integer(Int64(payload.count))])
            }
        }
        return .line(payload: payload, start: start, number: lineNumber)
    }

    mutating func append(_ chunk: UnsafeRawBufferPointer) { splitter.append(chunk) }
    mutating func append(_ chunk: [UInt8]) { splitter.append(chunk) }

    /// Forgets buffered bytes and restarts at `offset` (truncation, a new file).
    mutating func reset(offset: Int64, lineNumber: Int64 = 0) {
        splitter.reset(consumed: offset)
        self.lineNumber = lineNumber
    }
}
