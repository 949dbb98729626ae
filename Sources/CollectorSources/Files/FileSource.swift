import CollectorValues
import Collectors
import Foundation

/// Reads a file: the whole file per `collect()`, or its lines one by one.
/// Reads block on a thread of the source's own (`FileIOThread`), never on
/// Swift's cooperative pool.
///
/// - `.whole`: every `collect()` reads the file anew (so an interval
///   collection sees its current contents); `stream()` yields it once.
/// - `.lines`: `collect()` returns the next line (`\n` or `\r\n` ended; a last
///   line without a terminator counts), and fails with an end-of-data error
///   after the last; `stream()` yields the lines and ends. A new `connect()`
///   after `disconnect()` starts from the top. To follow a growing file and
///   resume after a restart, use `FollowFileSource`.
///
/// Errors: a missing file is `.notFound`, an unreadable one `.authentication`
/// (permission) or `.configuration` (a directory), neither retryable. A
/// whole file over `maxFileSize` or not UTF-8 is an item with a `.validation`
/// `refusal` (its bytes, or the first 64 KiB), dead-lettered by a pipeline. A line
/// over `maxLineLength` or not UTF-8 (when `validateUTF8`; JSON formats are
/// checked by the JSON reader instead, and such a document fails alone), the
/// last one without a newline included, is an item of its own with a
/// `.validation` `refusal` (file, line number, offset, reason; its bytes, or
/// the first 64 KiB of an over-long one): a pipeline dead-letters it and reads on.
public actor FileSource: DataSource {
    public enum Mode: String, Sendable, Hashable {
        case whole
        case lines
    }

    public struct Options: Sendable, Hashable {
        public var mode: Mode
        /// The payload's format: for example `.json` for a whole JSON file, `.jsonLines` for lines.
        public var format: DataFormat
        /// Longest line kept, in bytes (terminator excluded).
        public var maxLineLength: Int
        /// Largest file `.whole` reads, in bytes.
        public var maxFileSize: Int
        /// Reject lines (or a whole file) that are not UTF-8: for text formats.
        public var validateUTF8: Bool
        /// Bytes per read call.
        public var readChunkSize: Int
        /// In `.lines` mode with the `.jsonLines` format, `stream()` puts up to
        /// this many lines in one item (one record each, as the format says):
        /// an item per line would cost more than the line.
        public var linesPerItem: Int

        public init(
            mode: Mode = .lines, format: DataFormat = .jsonLines, maxLineLength: Int = 16 << 20,
            maxFileSize: Int = 256 << 20, validateUTF8: Bool = true, readChunkSize: Int = 256 << 10,
            linesPerItem: Int = 256
        ) {
            self.linesPerItem = max(1, linesPerItem)
            self.mode = mode
            self.format = format
            self.maxLineLength = maxLineLength
            self.maxFileSize = maxFileSize
            self.validateUTF8 = validateUTF8
            self.readChunkSize = max(4096, readChunkSize)
        }
    }

    public nonisolated let id: String
    public nonisolated let path: String
    public nonisolated let options: Options
    private var fd: Int32?
    private var cursor: LineCursor
    private var atEnd = false
    /// Where reads block, instead of the cooperative pool.
    private let io = FileIOThread(name: "file-read")
    /// Set while a read is awaited: actors are reentrant, and two readers
    /// interleaving their chunks would scramble lines.
    private var reading = false
    /// A refused line met while gathering a run of lines: the next item.
    private var refusedNext: CollectedData?

    public init(id: String, path: String, options: Options = Options()) {
        self.id = id
        self.path = path
        self.options = options
        cursor = LineCursor(
            sourceID: id, maxLineLength: options.maxLineLength,
            validateUTF8: options.validateUTF8 && !options.format.isJSON, path: path)
    }

    /// Opens the file in `.lines` mode; checks that it is readable in `.whole` mode.
    public func connect() async throws {
        switch options.mode {
        case .whole:
            let fd = try open()
            POSIXFile.close(fd)
        case .lines:
            guard fd == nil else { return }
            fd = try open()
            cursor.reset(offset: 0)
            atEnd = false
            refusedNext = nil
        }
    }

    public func disconnect() async {
        // After any read of it still under way: its number must not be reused meanwhile.
        if let fd { io.close(fd) }
        fd = nil
    }

    public func collect() async throws -> CollectedData {
        guard let item = try await next() else { throw SourceErrors.endOfData(id) }
        return item
    }

    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        let done = Locked(false)
        return pullStream {
            // `.whole` streams the file once; `.lines` ends after the last line.
            if done.withLock({ $0 }) { return nil }
            let item = try await self.nextForStream()
            if self.options.mode == .whole || item == nil { done.withLock { $0 = true } }
            return item
        }
    }

    /// What `stream()` yields next: a run of lines for JSON lines, else as `collect()`.
    private func nextForStream() async throws -> CollectedData? {
        guard options.mode == .lines, options.format == .jsonLines, options.linesPerItem > 1 else { return try await next() }
        try beginReading()
        defer { reading = false }
        return try await nextLines()
    }

    private func next() async throws -> CollectedData? {
        try beginReading()
        defer { reading = false }
        switch options.mode {
        case .whole: return try await readWhole()
        case .lines: return try await nextLine()
        }
    }

    private func beginReading() throws(ErrorInfo) {
        guard !reading else {
            throw ErrorInfo(
                .configuration, layer: .collection, operation: "collect",
                message: "source '\(id)' is already being read by another caller", details: ["source_id": .string(id)])
        }
        reading = true
    }

    private func open() throws(ErrorInfo) -> Int32 {
        switch POSIXFile.open(path) {
        case .success(let fd):
            if POSIXFile.identity(ofDescriptor: fd)?.isDirectory == true {
                POSIXFile.close(fd)
                throw SourceErrors.system(id, operation: "connect", call: "open", errno: EISDIR, path: path)
            }
            return fd
        case .failure(let code):
            throw SourceErrors.system(id, operation: "connect", call: "open", errno: code.code, path: path)
        }
    }

    /// The file as one item; a file over `maxFileSize` or not UTF-8 (a text
    /// format) is an item with a refusal instead (its bytes, or the first
    /// 64 KiB of one too large), so that it is dead-lettered and the next
    /// collection reads the file anew.
    private func readWhole() async throws -> CollectedData {
        let fd = try open()
        defer { io.close(fd) }
        var bytes: [UInt8] = []
        while true {
            try Task.checkCancellation()
            let read = try await read(fd)
            if read.isEmpty { break }
            if bytes.count + read.count > options.maxFileSize {
                // Read no further than the limit: what is kept is its start.
                let kept = Array((bytes + read).prefix(Self.refusedPrefix))
                let refusal = SourceErrors.invalidInput(
                    id, message: "'\(path)' is larger than the limit of \(options.maxFileSize) bytes; skipped",
                    details: [
                        "path": .string(path), "max_file_size": .integer(Int64(options.maxFileSize)),
                        "reason": .string("too_large"),
                    ])
                return wholeItem(kept, size: bytes.count + read.count, refusal: refusal)
            }
            bytes.append(contentsOf: read)
        }
        if options.validateUTF8, !options.format.isJSON, !bytes.withUnsafeBufferPointer({ UTF8Validation.isValid($0) }) {
            let refusal = SourceErrors.invalidInput(
                id, message: "'\(path)' is not valid UTF-8; skipped",
                details: ["path": .string(path), "length": .integer(Int64(bytes.count)), "reason": .string("not_utf8")])
            return wholeItem(bytes, size: bytes.count, refusal: refusal)
        }
        return wholeItem(bytes, size: bytes.count, refusal: nil)
    }

    /// How much of a file too large a refused item keeps (as of an over-long line).
    private static let refusedPrefix = 64 << 10

    private func wholeItem(_ bytes: [UInt8], size: Int, refusal: ErrorInfo?) -> CollectedData {
        CollectedData(
            sourceID: id, format: options.format, method: .file, payload: bytes,
            metadata: ["path": .string(path), "size": .integer(Int64(size))], refusal: refusal)
    }

    private func nextLine() async throws -> CollectedData? {
        if fd == nil { try openForLines() }
        guard let fd else { return nil }
        if let refused = refusedNext {
            refusedNext = nil
            return refused
        }
        while true {
            switch cursor.next(atEnd: atEnd) {
            case .line(let payload, let start, let number):
                return CollectedData(
                    sourceID: id, format: options.format, method: .file, payload: payload,
                    metadata: ["path": .string(path), "line": .integer(number), "offset": .integer(start)])
            case .refused(let payload, let start, let number, let error):
                return refusedItem(payload, start: start, number: number, error: error)
            case .needMore:
                if atEnd { return nil }
                try await readMore(fd)
            }
        }
    }

    /// Up to `linesPerItem` lines (about 64 KB at most, below the allocator's mmap threshold) as one JSON-lines item.
    private func nextLines() async throws -> CollectedData? {
        if fd == nil { try openForLines() }
        guard let fd else { return nil }
        if let refused = refusedNext {
            refusedNext = nil
            return refused
        }
        var payload: [UInt8] = []
        var first: (offset: Int64, line: Int64)?
        var count = 0
        reading: while count < options.linesPerItem && payload.count < 64 << 10 {
            switch cursor.next(atEnd: atEnd) {
            case .line(let line, let start, let number):
                if first == nil {
                    first = (start, number)
                    payload.reserveCapacity(min(64 << 10, (line.count + 1) * options.linesPerItem) + 256)
                }
                payload += line
                payload.append(UInt8(ascii: "\n"))
                count += 1
            case .refused(let line, let start, let number, let error):
                let refused = refusedItem(line, start: start, number: number, error: error)
                // The lines before it go first, in order.
                guard first == nil else {
                    refusedNext = refused
                    break reading
                }
                return refused
            case .needMore:
                if atEnd { break reading }
                try await readMore(fd)
            }
        }
        guard let first else { return nil }
        return CollectedData(
            sourceID: id, format: options.format, method: .file, payload: payload,
            metadata: [
                "path": .string(path), "line": .integer(first.line), "lines": .integer(Int64(count)),
                "offset": .integer(first.offset),
            ])
    }

    private func refusedItem(_ payload: [UInt8], start: Int64, number: Int64, error: ErrorInfo) -> CollectedData {
        CollectedData(
            sourceID: id, format: options.format, method: .file, payload: payload,
            metadata: ["path": .string(path), "line": .integer(number), "offset": .integer(start)], refusal: error)
    }

    /// Feeds the next chunk of the file to the line cursor, or notes the end.
    /// A cancelled read stops between two chunks (a line without end, a file
    /// of no newlines, is read chunk after chunk).
    private func readMore(_ fd: Int32) async throws {
        try Task.checkCancellation()
        // Closed by a disconnect while this reader was suspended: the number may name another file now.
        guard self.fd == fd else { throw SourceErrors.disconnected(id) }
        let bytes = try await read(fd)
        if bytes.isEmpty {
            atEnd = true
        } else {
            cursor.append(bytes)
        }
    }

    /// `collect()` without `connect()` opens the file, as a convenience.
    private func openForLines() throws {
        fd = try open()
        cursor.reset(offset: 0)
        atEnd = false
        refusedNext = nil
    }

    /// The next chunk of `fd` (empty at its end), read on the source's I/O thread.
    private func read(_ fd: Int32) async throws(ErrorInfo) -> [UInt8] {
        switch await io.read(fd, upTo: options.readChunkSize) {
        case .success(let bytes): return bytes
        case .failure(let code): throw SourceErrors.system(id, operation: "collect", call: "read", errno: code.code, path: path)
        }
    }
}

extension FileSource: FileReadingSource {
    public nonisolated var readPath: String { path }
}
