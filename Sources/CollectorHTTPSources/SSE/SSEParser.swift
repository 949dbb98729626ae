/// One dispatched Server-Sent Event.
public struct SSEEvent: Sendable, Hashable {
    /// The `event` field, "message" when none was given.
    public var type: String
    /// The `data` lines joined with `\n`.
    public var data: [UInt8]
    /// The last event id in force when the event was dispatched (`id` persists across events).
    public var lastEventID: String

    public init(type: String, data: [UInt8], lastEventID: String) {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }
}

/// The event-stream parser of the WHATWG HTML standard (§9.2.6), fed bytes
/// as they arrive: a leading BOM is dropped; lines end at CRLF, LF or CR
/// (also when a CRLF is split between two chunks); `:` lines are comments;
/// `data` lines accumulate; `id` containing NUL is ignored; `retry` takes
/// only ASCII digits; an empty line dispatches (nothing when no data).
///
/// Memory is bounded: an event (or a line) over `maxEventSize` is dropped up
/// to its dispatching blank line and reported once as `.oversize`.
public struct SSEParser: Sendable {
    public enum Output: Sendable, Hashable {
        case event(SSEEvent)
        /// The server asked for this reconnection delay, in milliseconds.
        case retry(Int)
        /// An event larger than the limit was skipped; `size` counts the bytes seen.
        case oversize(size: Int)
    }

    public let maxEventSize: Int
    private var line: [UInt8] = []
    /// Bytes of the current line seen, kept or dropped: 0 means a blank line.
    private var lineLength = 0
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType = ""
    public private(set) var lastEventID = ""
    private var started = false
    private var bomChecked = false
    private var pendingBOM: [UInt8] = []
    private var afterCR = false
    private var oversize = false
    private var oversizeBytes = 0

    public init(maxEventSize: Int = 1 << 20, lastEventID: String = "") {
        self.maxEventSize = max(16, maxEventSize)
        self.lastEventID = lastEventID
    }

    /// Feeds bytes; returns what they completed.
    public mutating func feed(_ bytes: [UInt8]) -> [Output] {
        var outputs: [Output] = []
        var input = bytes[...]
        if !bomChecked {
            pendingBOM += input
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            if pendingBOM.count < 3, bom.starts(with: pendingBOM) { return [] }
            bomChecked = true
            let all = pendingBOM
            pendingBOM = []
            input = all.starts(with: bom) ? all.dropFirst(3) : all[...]
        }
        var lineStart = input.startIndex
        var i = input.startIndex
        while i < input.endIndex {
            let byte = input[i]
            if byte == 0x0A || byte == 0x0D {
                if byte == 0x0A, afterCR, i == lineStart, line.isEmpty {
                    // The LF of a CRLF whose CR ended the previous chunk (or line).
                    afterCR = false
                    i += 1
                    lineStart = i
                    continue
                }
                appendToLine(input[lineStart..<i])
                endLine(into: &outputs)
                afterCR = byte == 0x0D
                i += 1
                if afterCR, i < input.endIndex, input[i] == 0x0A {
                    afterCR = false
                    i += 1
                }
                lineStart = i
                continue
            }
            afterCR = false
            i += 1
        }
        appendToLine(input[lineStart..<input.endIndex])
        return outputs
    }

    private mutating func appendToLine(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        lineLength += bytes.count
        if oversize {
            oversizeBytes += bytes.count
            return
        }
        if line.count + bytes.count + data.count > maxEventSize {
            beginOversize(extra: line.count + bytes.count)
            return
        }
        line += bytes
    }

    private mutating func beginOversize(extra: Int) {
        oversize = true
        oversizeBytes = data.count + extra
        line = []
        data = []
        hasData = false
    }

    private mutating func endLine(into outputs: inout [Output]) {
        defer {
            line.removeAll(keepingCapacity: true)
            lineLength = 0
        }
        if lineLength == 0 {
            dispatch(into: &outputs)
            return
        }
        if oversize { return }
        if line.first == UInt8(ascii: ":") { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let name = colon.map { Array(line[..<$0]) } ?? line
        var value = colon.map { Array(line[($0 + 1)...]) } ?? []
        if value.first == UInt8(ascii: " ") { value.removeFirst() }
        switch String(decoding: name, as: UTF8.self) {
        case "event": eventType = String(decoding: value, as: UTF8.self)
        case "data":
            if data.count + value.count + 1 > maxEventSize {
                beginOversize(extra: value.count)
                return
            }
            if hasData { data.append(0x0A) }
            data += value
            hasData = true
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), value.count < 10,
                let ms = Int(String(decoding: value, as: UTF8.self))
            {
                outputs.append(.retry(ms))
            }
        default: break  // unknown fields are ignored
        }
    }

    private mutating func dispatch(into outputs: inout [Output]) {
        defer {
            data = []
            hasData = false
            eventType = ""
            oversize = false
            oversizeBytes = 0
        }
        if oversize {
            outputs.append(.oversize(size: oversizeBytes))
            return
        }
        guard hasData else { return }
        outputs.append(.event(SSEEvent(type: eventType.isEmpty ? "message" : eventType, data: data, lastEventID: lastEventID)))
    }
}
