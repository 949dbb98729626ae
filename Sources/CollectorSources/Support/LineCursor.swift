import CollectorValues
import Collectors
import Foundation

/// A `LineSplitter` plus what line sources share: line numbers, the byte
/// offset where each line starts, the length limit and the UTF-8 check.
/// A line it refuses (over the limit, not UTF-8) is a step of its own,
/// `.refused`, with its bytes (the start of an over-long one) and why; the
/// next step goes on after it, so one bad line never ends a source.
struct LineCursor {
    enum Step {
        case line(payload: [UInt8], start: Int64, number: Int64)
        /// A line the source does not hand on as data: its bytes (all of
        /// them, or the first `LineSplitter.oversizePrefixLimit` of an
        /// over-long line) and a `.validation` error naming it.
        case refused(payload: [UInt8], start: Int64, number: Int64, error: ErrorInfo)
        /// No complete line buffered; at the end of input, nothing left either.
        case needMore
    }

    let sourceID: String
    let validateUTF8: Bool
    /// Named in the errors of refused lines (a file), if there is one.
    var path: String?
    var splitter: LineSplitter
    /// Lines taken so far (returned or refused).
    private(set) var lineNumber: Int64 = 0

    init(sourceID: String, maxLineLength: Int, validateUTF8: Bool, path: String? = nil) {
        self.sourceID = sourceID
        self.validateUTF8 = validateUTF8
        self.path = path
        splitter = LineSplitter(maxLineLength: maxLineLength)
    }

    /// Bytes consumed: the offset just past the last line taken.
    var offset: Int64 { splitter.consumed }

    /// The next line; with `atEnd`, an unterminated last line too (refused
    /// like any other when it is over the limit).
    mutating func next(atEnd: Bool = false) -> Step {
        let start = splitter.consumed
        var found = splitter.next()
        if case .needMore = found, atEnd { found = splitter.end() }
        switch found {
        case .line(let range):
            lineNumber += 1
            let payload = Array(splitter.bytes[range])
            if validateUTF8, !payload.withUnsafeBufferPointer({ UTF8Validation.isValid($0) }) {
                let error = refusal(
                    "line \(lineNumber)\(where_) is not valid UTF-8; skipped", reason: "not_utf8", start: start,
                    length: payload.count)
                return .refused(payload: payload, start: start, number: lineNumber, error: error)
            }
            return .line(payload: payload, start: start, number: lineNumber)
        case .oversize(let length):
            lineNumber += 1
            var error = refusal(
                "line \(lineNumber)\(where_) is longer than the limit of \(splitter.maxLineLength) bytes; skipped",
                reason: "too_long", start: start, length: length)
            error.details["max_line_length"] = .integer(Int64(splitter.maxLineLength))
            return .refused(payload: splitter.oversizePrefix, start: start, number: lineNumber, error: error)
        case .needMore:
            return .needMore
        }
    }

    private var where_: String { path.map { " of '\($0)'" } ?? "" }

    private func refusal(_ message: String, reason: String, start: Int64, length: Int) -> ErrorInfo {
        var details: DataObject = [
            "line": .integer(lineNumber), "offset": .integer(start), "length": .integer(Int64(length)),
            "reason": .string(reason),
        ]
        if let path { details["path"] = .string(path) }
        return SourceErrors.invalidInput(sourceID, message: message, details: details)
    }

    mutating func append(_ chunk: UnsafeRawBufferPointer) { splitter.append(chunk) }
    mutating func append(_ chunk: [UInt8]) { splitter.append(chunk) }

    /// Forgets buffered bytes and restarts at `offset` (truncation, a new file).
    mutating func reset(offset: Int64, lineNumber: Int64 = 0) {
        splitter.reset(consumed: offset)
        self.lineNumber = lineNumber
    }
}
