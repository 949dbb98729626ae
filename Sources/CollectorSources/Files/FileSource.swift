import CollectorValues
import Collectors
import Foundation

/// Reads a file: the whole file per `collect()`, or its lines one by one.
/// Reads block on a thread of the source's own (`FileIOThread`), never on
/// Swift's cooperative pool.
///
/// `path` may have wildcards (`*`, `?`, `[abc]`, `**`, see `FileGlob`): the
/// files matching at `connect()` are read one after another, sorted by
/// name; each item's `metadata["path"]` names its file. A pattern that
/// matches nothing is a `.notFound` error. A gzip file (found by its first
/// bytes, whatever its name) is inflated as it is read, with the
/// `decompression` given (without one it is a `.configuration` error naming
/// the file); a corrupt or
/// truncated one ends with an item whose `.validation` `refusal` names the
/// file and the compressed byte offset, after the lines read before it.
/// With `multiline`, lines are merged into records (see `MultilineOptions`).
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
        /// In `.lines` mode: lines merged into records; `nil`, a record per line.
        public var multiline: MultilineOptions?

        public init(
            mode: Mode = .lines, format: DataFormat = .jsonLines, maxLineLength: Int = 16 << 20,
            maxFileSize: Int = 256 << 20, validateUTF8: Bool = true, readChunkSize: Int = 256 << 10,
            linesPerItem: Int = 256, multiline: MultilineOptions? = nil
        ) {
            self.multiline = multiline
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
    /// The files `path` names (the matches of a pattern), and the one being read.
    private var files: [String] = []
    private var fileIndex = 0
    /// In `.whole` mode, the next file of `files` to read.
    private var wholeIndex = 0
    /// Set while the open file is gzip: its bytes go through it.
    private var inflater: (any StreamInflater)?
    private let decompression: Decompression
    /// Merges lines into records, with `multiline`.
    private var merger: LineMerger?
    /// Whether the open file has not been read from yet (its first bytes tell gzip).
    private var firstRead = true

    /// - Parameter decompression: how gzip files are read (`.zlib` of CollectorGzip); `.none` refuses them.
    public init(id: String, path: String, options: Options = Options(), decompression: Decompression = .none) {
        self.id = id
        self.path = path
        self.options = options
        self.decompression = decompression
        cursor = LineCursor(
            sourceID: id, maxLineLength: options.maxLineLength,
            validateUTF8: options.validateUTF8 && !options.format.isJSON, path: path)
    }

    /// The file being read (in `.lines` mode), or the path as given before any is.
    private var currentPath: String { fileIndex < files.count ? files[fileIndex] : path }

    /// Opens the (first) file in `.lines` mode; checks that it is readable in `.whole` mode.
    /// - Throws: a `.notFound` error when `path` is a pattern no file matches.
    public func connect() async throws {
        switch options.mode {
        case .whole:
            try await resolve()
            wholeIndex = 0
            let fd = try open(files[0])
            POSIXFile.close(fd)
        case .lines:
            guard fd == nil else { return }
            try await openForLines()
        }
    }

    /// The files `path` names now: itself, or the matches of a pattern.
    private func resolve() async throws(ErrorInfo) {
        // A file whose own name has wildcard characters (`data[1].log`) is that file.
        guard FileGlob.isPattern(path), POSIXFile.identity(ofPath: path) == nil else {
            files = [path]
            return
        }
        let glob = FileGlob(pattern: path)
        let found = await io.run { glob.matches() }
        guard !found.isEmpty else {
            throw ErrorInfo(
                .notFound, layer: .collection, operation: "connect", message: "no file matches '\(path)'",
                details: ["source_id": .string(id), "path": .string(path)])
        }
        files = found
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
        let started = Locked(false)
        return pullStream {
            // `.whole` streams each file once; `.lines` ends after the last line.
            if done.withLock({ $0 }) { return nil }
            let first = started.withLock { started in
                defer { started = true }
                return !started
            }
            let item = try await self.nextForStream(first: first)
            if item == nil { done.withLock { $0 = true } }
            return item
        }
    }

    /// What `stream()` yields next: a run of lines for JSON lines, else as
    /// `collect()` (but each file of `.whole` once, not again and again).
    private func nextForStream(first: Bool) async throws -> CollectedData? {
        if options.mode == .whole {
            try beginReading()
            defer { reading = false }
            return try await nextWhole(again: false, restart: first)
        }
        guard options.format == .jsonLines, options.linesPerItem > 1, options.multiline == nil
        else { return try await next(again: false) }
        try beginReading()
        defer { reading = false }
        return try await nextLines()
    }

    /// The next item, `nil` after the last (of the last file): for a source that reads this one to its end.
    func readNext() async throws -> CollectedData? {
        try await next(again: false)
    }

    private func next(again: Bool = true) async throws -> CollectedData? {
        try beginReading()
        defer { reading = false }
        switch options.mode {
        case .whole: return try await nextWhole(again: again)
        case .lines: return try await nextLine()
        }
    }

    /// The next file as one item; after the last, with `again`, the first
    /// (of the files matching then), else `nil`. `restart`: from the first (a new stream).
    private func nextWhole(again: Bool, restart: Bool = false) async throws -> CollectedData? {
        if restart || files.isEmpty || (wholeIndex >= files.count && again) {
            try await resolve()
            wholeIndex = 0
        }
        guard wholeIndex < files.count else { return nil }
        let path = files[wholeIndex]
        wholeIndex += 1
        return try await readWhole(path)
    }

    private func beginReading() throws(ErrorInfo) {
        guard !reading else {
            throw ErrorInfo(
                .configuration, layer: .collection, operation: "collect",
                message: "source '\(id)' is already being read by another caller", details: ["source_id": .string(id)])
        }
        reading = true
    }

    private func open(_ path: String) throws(ErrorInfo) -> Int32 {
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
    /// collection reads the file anew. A gzip file is inflated (the limit
    /// applies to what it inflates to); a corrupt one is refused too.
    private func readWhole(_ path: String) async throws -> CollectedData {
        let fd = try open(path)
        defer { io.close(fd) }
        var bytes: [UInt8] = []
        var gzip: (any StreamInflater)?
        var first = true
        var ended = false
        while true {
            try Task.checkCancellation()
            var read: [UInt8] = []
            if let gzip, gzip.hasInput {
                read = gzip.inflate()
            } else if !ended {
                read = try await self.read(fd, path: path)
                if first, Decompression.isGzip(read) { gzip = try startInflating(path) }
                first = false
                if read.isEmpty { ended = true }
                if let gzip {
                    if read.isEmpty {
                        gzip.finish()
                    } else {
                        gzip.feed(read)
                        read = gzip.inflate()
                    }
                }
            }
            if let failure = gzip?.failure {
                bytes.append(contentsOf: read.prefix(max(0, Self.refusedPrefix - bytes.count)))
                let refusal = gzipRefusal(failure, path: path, inflated: bytes.count)
                return wholeItem(Array(bytes.prefix(Self.refusedPrefix)), path: path, size: bytes.count, refusal: refusal)
            }
            if read.isEmpty {
                if ended { break }
                continue
            }
            if bytes.count + read.count > options.maxFileSize {
                // Read no further than the limit: what is kept is its start.
                let kept = Array((bytes + read).prefix(Self.refusedPrefix))
                let refusal = SourceErrors.invalidInput(
                    id, message: "'\(path)' is larger than the limit of \(options.maxFileSize) bytes; skipped",
                    details: [
                        "path": .string(path), "max_file_size": .integer(Int64(options.maxFileSize)),
                        "reason": .string("too_large"),
                    ])
                return wholeItem(kept, path: path, size: bytes.count + read.count, refusal: refusal)
            }
            bytes.append(contentsOf: read)
        }
        if options.validateUTF8, !options.format.isJSON, !bytes.withUnsafeBufferPointer({ UTF8Validation.isValid($0) }) {
            let refusal = SourceErrors.invalidInput(
                id, message: "'\(path)' is not valid UTF-8; skipped",
                details: ["path": .string(path), "length": .integer(Int64(bytes.count)), "reason": .string("not_utf8")])
            return wholeItem(bytes, path: path, size: bytes.count, refusal: refusal)
        }
        return wholeItem(bytes, path: path, size: bytes.count, refusal: nil)
    }

    /// An inflater for the gzip file at `path`.
    /// - Throws: a `.configuration` error when this source reads no gzip
    ///   (no `decompression` given), an `.unknown` one when it cannot start.
    private func startInflating(_ path: String) throws(ErrorInfo) -> any StreamInflater {
        guard let make = decompression.makeGzip else {
            throw ErrorInfo(
                .configuration, layer: .collection, operation: "collect",
                message: "'\(path)' is gzip-compressed, and this program reads no gzip files (its file sources were given no decompression, such as .zlib of CollectorGzip)",
                details: ["source_id": .string(id), "path": .string(path), "reason": .string("gzip_unsupported")])
        }
        guard let inflater = make() else {
            throw ErrorInfo(
                .unknown, layer: .collection, operation: "collect",
                message: "cannot start inflating '\(path)'", details: ["source_id": .string(id), "path": .string(path)])
        }
        return inflater
    }

    /// The error of a gzip file that is corrupt or cut short, naming where.
    private func gzipRefusal(_ failure: InflateFailure, path: String, inflated: Int) -> ErrorInfo {
        SourceErrors.invalidInput(
            id,
            message:
                "'\(path)' is not a valid gzip stream at compressed byte \(failure.offset): \(failure.message); what came before it was read",
            details: [
                "path": .string(path), "offset": .integer(failure.offset), "inflated_bytes": .integer(Int64(inflated)),
                "reason": .string("corrupt_gzip"),
            ])
    }

    /// How much of a file too large a refused item keeps (as of an over-long line).
    private static let refusedPrefix = 64 << 10

    private func wholeItem(_ bytes: [UInt8], path: String, size: Int, refusal: ErrorInfo?) -> CollectedData {
        CollectedData(
            sourceID: id, format: options.format, method: .file, payload: bytes,
            metadata: ["path": .string(path), "size": .integer(Int64(size))], refusal: refusal)
    }

    private func nextLine() async throws -> CollectedData? {
        if fd == nil { try await openForLines() }
        if let refused = refusedNext {
            refusedNext = nil
            return refused
        }
        guard var fd else { return nil }
        while true {
            switch cursor.next(atEnd: atEnd) {
            case .line(let payload, let start, let number):
                guard merger != nil else {
                    return CollectedData(
                        sourceID: id, format: options.format, method: .file, payload: payload,
                        metadata: ["path": .string(currentPath), "line": .integer(number), "offset": .integer(start)])
                }
                if let record = merger?.add(payload, start: start, number: number) { return recordItem(record) }
            case .refused(let payload, let start, let number, let error):
                let refused = refusedItem(payload, start: start, number: number, error: error)
                // The record before it goes first, in order.
                if let record = merger?.flush() {
                    refusedNext = refused
                    return recordItem(record)
                }
                return refused
            case .needMore:
                if !atEnd {
                    try await readMore(fd)
                    continue
                }
                if let record = merger?.flush() { return recordItem(record) }
                if let failure = takeGzipFailure() { return failure }
                guard let next = try await nextFile() else { return nil }
                fd = next
            }
        }
    }

    /// A multiline record as an item: one JSON document for the JSON formats.
    private func recordItem(_ record: LineMerger.Record) -> CollectedData {
        CollectedData(
            sourceID: id, format: options.format == .jsonLines ? .json : options.format, method: .file,
            payload: record.payload,
            metadata: [
                "path": .string(currentPath), "line": .integer(record.firstLine), "lines": .integer(Int64(record.lines)),
                "offset": .integer(record.start),
            ])
    }

    /// Up to `linesPerItem` lines (about 64 KB at most, below the allocator's mmap threshold) as one JSON-lines item.
    private func nextLines() async throws -> CollectedData? {
        if fd == nil { try await openForLines() }
        if let refused = refusedNext {
            refusedNext = nil
            return refused
        }
        var payload: [UInt8] = []
        var first: (offset: Int64, line: Int64)?
        var count = 0
        guard var fd else { return nil }
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
                if !atEnd {
                    try await readMore(fd)
                    continue
                }
                // An item holds lines of one file.
                if first != nil { break reading }
                if let failure = takeGzipFailure() { return failure }
                guard let next = try await nextFile() else { break reading }
                fd = next
            }
        }
        guard let first else { return nil }
        return CollectedData(
            sourceID: id, format: options.format, method: .file, payload: payload,
            metadata: [
                "path": .string(currentPath), "line": .integer(first.line), "lines": .integer(Int64(count)),
                "offset": .integer(first.offset),
            ])
    }

    private func refusedItem(_ payload: [UInt8], start: Int64, number: Int64, error: ErrorInfo) -> CollectedData {
        CollectedData(
            sourceID: id, format: options.format, method: .file, payload: payload,
            metadata: ["path": .string(currentPath), "line": .integer(number), "offset": .integer(start)], refusal: error)
    }

    /// The failed item of a gzip file found corrupt (once; `nil` otherwise):
    /// it comes after the lines inflated before the fault.
    private func takeGzipFailure() -> CollectedData? {
        guard let failure = inflater?.failure else { return nil }
        inflater = nil
        let error = gzipRefusal(failure, path: currentPath, inflated: Int(cursor.offset))
        return CollectedData(
            sourceID: id, format: options.format, method: .file, payload: [],
            metadata: ["path": .string(currentPath), "offset": .integer(cursor.offset)], refusal: error)
    }

    /// Feeds the next chunk of the file to the line cursor, or notes the end.
    /// A cancelled read stops between two chunks (a line without end, a file
    /// of no newlines, is read chunk after chunk). A gzip file is inflated
    /// on the way; its fault ends the file like its end does.
    private func readMore(_ fd: Int32) async throws {
        try Task.checkCancellation()
        if let inflater, inflater.hasInput {
            cursor.append(inflater.inflate())
            return
        }
        // Closed by a disconnect while this reader was suspended: the number may name another file now.
        guard self.fd == fd else { throw SourceErrors.disconnected(id) }
        let bytes = try await read(fd, path: currentPath)
        if firstRead {
            firstRead = false
            if Decompression.isGzip(bytes) { inflater = try startInflating(currentPath) }
        }
        guard let inflater else {
            if bytes.isEmpty { atEnd = true } else { cursor.append(bytes) }
            return
        }
        if bytes.isEmpty {
            inflater.finish()
            atEnd = true
        } else {
            inflater.feed(bytes)
            cursor.append(inflater.inflate())
        }
        if inflater.failure != nil { atEnd = true }
    }

    /// The files `path` names, the first of them open. (`collect()` without `connect()` does this, as a convenience.)
    private func openForLines() async throws {
        try await resolve()
        fileIndex = 0
        try openCurrent()
    }

    /// Opens `files[fileIndex]`, to be read from its start.
    private func openCurrent() throws {
        fd = try open(currentPath)
        cursor.path = currentPath
        cursor.reset(offset: 0)
        atEnd = false
        firstRead = true
        inflater = nil
        refusedNext = nil
        if let multiline = options.multiline {
            do {
                merger = try LineMerger(multiline)
            } catch {
                throw ErrorInfo(
                    .configuration, layer: .collection, operation: "connect",
                    message: "multiline pattern \"\(error.pattern)\" does not compile: \(error.reason)",
                    details: ["source_id": .string(id)])
            }
        }
    }

    /// Moves on to the next file of a pattern's matches (its descriptor); `nil` after the last.
    private func nextFile() async throws -> Int32? {
        guard fileIndex + 1 < files.count else { return nil }
        if let fd { io.close(fd) }
        fd = nil
        fileIndex += 1
        try openCurrent()
        return fd
    }

    /// The next chunk of `fd` (empty at its end), read on the source's I/O thread.
    private func read(_ fd: Int32, path: String) async throws(ErrorInfo) -> [UInt8] {
        switch await io.read(fd, upTo: options.readChunkSize) {
        case .success(let bytes): return bytes
        case .failure(let code): throw SourceErrors.system(id, operation: "collect", call: "read", errno: code.code, path: path)
        }
    }
}

extension FileSource: FileReadingSource {
    public nonisolated var readPath: String { path }
}
