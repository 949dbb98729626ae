import Foundation

/// Splits a byte stream into lines at `\n`, in place: lines are ranges of
/// `bytes`, valid until the next `append`, so splitting copies nothing.
///
/// A `\r` before the `\n` is dropped too (CRLF files). A line longer than
/// `maxLineLength` is not kept in memory: its bytes are dropped as they come
/// (all but its first `oversizePrefixLimit`, kept in `oversizePrefix` for
/// the report) and it is reported once, as `.oversize`, when its end is
/// found, or at the end of the input (`end()`) when it has no newline. Byte
/// offsets count every byte consumed, terminators and dropped lines included,
/// so they are positions in the underlying file.
public struct LineSplitter: Sendable {
    /// What `next()` found.
    public enum Next: Equatable, Sendable {
        /// A line's bytes in `bytes`, without its terminator.
        case line(Range<Int>)
        /// A line longer than `maxLineLength` was skipped; `length` counts its bytes and terminator.
        case oversize(length: Int)
        /// No complete line is buffered: append more input (or take the `remainder` at the end).
        case needMore
    }

    /// The buffered input; `next()`'s ranges index into it.
    public private(set) var bytes: [UInt8] = []
    private var head = 0
    private var scanFrom = 0
    private var discarding = false
    private var discarded = 0
    public let maxLineLength: Int
    /// How many of an over-long line's first bytes are kept (`oversizePrefix`).
    public let oversizePrefixLimit: Int
    /// The first bytes of the over-long line `next()` or `end()` last reported.
    public private(set) var oversizePrefix: [UInt8] = []
    /// Bytes consumed so far (lines returned and skipped, with their terminators).
    public private(set) var consumed: Int64 = 0

    public init(maxLineLength: Int = 16 << 20, oversizePrefixLimit: Int = 64 << 10) {
        self.maxLineLength = max(1, maxLineLength)
        self.oversizePrefixLimit = max(0, min(oversizePrefixLimit, self.maxLineLength))
    }

    private mutating func keepPrefix(from start: Int) {
        oversizePrefix = Array(bytes[start..<min(bytes.count, start + oversizePrefixLimit)])
    }

    /// Bytes buffered that belong to no complete line yet.
    public var pendingCount: Int { bytes.count - head }

    /// Adds input. Compacts first: what is left before an append is at most a partial line.
    public mutating func append(_ chunk: UnsafeRawBufferPointer) {
        compact()
        bytes.append(contentsOf: chunk.bindMemory(to: UInt8.self))
    }

    public mutating func append(_ chunk: [UInt8]) {
        chunk.withUnsafeBytes { append($0) }
    }

    private mutating func compact() {
        guard head > 0 else { return }
        if head == bytes.count {
            bytes.removeAll(keepingCapacity: true)
        } else {
            bytes.removeSubrange(0..<head)
        }
        scanFrom -= head
        head = 0
    }

    /// The next complete line, if one is buffered.
    public mutating func next() -> Next {
        let count = bytes.count
        let newline: Int? = bytes.withUnsafeBufferPointer { buffer in
            guard scanFrom < count, let base = buffer.baseAddress else { return nil }
            guard let hit = memchr(base + scanFrom, 0x0A, count - scanFrom) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
        guard let newline else {
            scanFrom = count
            if !discarding, count - head > maxLineLength {
                discarding = true
                discarded = 0
                keepPrefix(from: head)
            }
            if discarding {
                discarded += count - head
                consumed += Int64(count - head)
                head = count
            }
            return .needMore
        }
        let length = newline + 1 - head
        consumed += Int64(length)
        defer {
            head = newline + 1
            scanFrom = head
        }
        if discarding {
            discarding = false
            return .oversize(length: discarded + length)
        }
        var end = newline
        if end > head, bytes[end - 1] == 0x0D { end -= 1 }
        if end - head > maxLineLength {
            keepPrefix(from: head)
            return .oversize(length: length)
        }
        return .line(head..<end)
    }

    /// At the end of the input: the last line if it had no terminator, or
    /// `.oversize` if that line was over the limit (`.needMore`: nothing left).
    public mutating func end() -> Next {
        if discarding {
            let length = discarded + (bytes.count - head)
            consumed += Int64(bytes.count - head)
            head = bytes.count
            scanFrom = head
            discarding = false
            return .oversize(length: length)
        }
        guard head < bytes.count else { return .needMore }
        if bytes.count - head > maxLineLength {
            keepPrefix(from: head)
            let length = bytes.count - head
            consumed += Int64(length)
            head = bytes.count
            scanFrom = head
            return .oversize(length: length)
        }
        guard let rest = remainder() else { return .needMore }
        return .line(rest)
    }

    /// At the end of the input: the last line if it had no terminator
    /// (`nil` when there is none, or when it was an oversize line being
    /// skipped: `end()` reports that one).
    public mutating func remainder() -> Range<Int>? {
        defer {
            consumed += Int64(bytes.count - head)
            head = bytes.count
            scanFrom = head
            discarding = false
        }
        guard !discarding, head < bytes.count else { return nil }
        return head..<bytes.count
    }

    /// Forgets everything buffered (after a truncation: the bytes are gone) and sets the position.
    public mutating func reset(consumed position: Int64) {
        bytes.removeAll(keepingCapacity: true)
        head = 0
        scanFrom = 0
        discarding = false
        consumed = position
    }
}
