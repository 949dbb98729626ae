import Foundation

/// Merges lines into multiline records as `MultilineOptions` says. It holds
/// the record being built; `add` hands back the one a line completes, and
/// `flush` the one held (at the end of a file, or after the timeout).
struct LineMerger {
    /// A merged record: its lines joined with "\n".
    struct Record {
        var payload: [UInt8]
        /// Offset of its first line's first byte, and that line's number.
        var start: Int64
        var firstLine: Int64
        var lines: Int
    }

    let options: MultilineOptions
    private let regex: POSIXRegex
    private var held: Record?

    /// - Throws: when the pattern does not compile (the connector checks it first).
    init(_ options: MultilineOptions) throws(POSIXRegexError) {
        self.options = options
        switch options.rule {
        case .start(let pattern), .continuation(let pattern): regex = try MultilineOptions.regex(pattern)
        }
    }

    var isHolding: Bool { held != nil }
    /// Where the held record starts: a position saved now must not skip it.
    var heldStart: Int64? { held?.start }
    /// The held record's first line number, if one is held.
    var heldFirstLine: Int64? { held?.firstLine }

    /// Takes the next line; returns the record it ends, if it ends one.
    mutating func add(_ line: [UInt8], start: Int64, number: Int64) -> Record? {
        guard var record = held else {
            held = Record(payload: line, start: start, firstLine: number, lines: 1)
            return nil
        }
        let joins: Bool
        switch options.rule {
        case .start: joins = !regex.matches(line)
        case .continuation: joins = regex.matches(line)
        }
        let fits = record.lines < options.maxLines && record.payload.count + 1 + line.count <= options.maxBytes
        guard joins, fits else {
            held = Record(payload: line, start: start, firstLine: number, lines: 1)
            return record
        }
        held = nil  // one reference to the buffer: appending does not copy it
        record.payload.append(UInt8(ascii: "\n"))
        record.payload.append(contentsOf: line)
        record.lines += 1
        held = record
        return nil
    }

    /// The record held, which no further line can extend now.
    mutating func flush() -> Record? {
        defer { held = nil }
        return held
    }
}
