import CollectorValues
import Collectors
import Foundation

/// Follows a file like `tail -F`: yields lines as they are appended, keeps
/// going when the file is rotated (renamed away and recreated) or truncated,
/// waits for a file that does not exist yet, and, with a `positionFile`,
/// resumes after a restart where it left off.
///
/// The file is polled (every `pollInterval` once caught up): portable, and
/// cheap next to a pipeline's work; the position kept is the offset just past
/// the last line handed out, so nothing is read twice after a clean restart.
///
/// - Rotation: once the old file is read to its end (an unterminated last
///   line included) the new file at `path` is read from its start. A
///   generation rotated away before it was ever seen at `path` is not read.
/// - Truncation (the file became shorter than what was read): from the start.
/// - Deletion: the rest of the file is read, then the source waits for a new one.
/// - Restart: the position names its file by device, inode and a
///   fingerprint of its first bytes. When that is still the file at `path`
///   (and it is at least as long as the saved offset), reading resumes
///   there. When the file was rotated while the source was stopped, it is
///   looked for beside `path` (`RotatedFileFinder`: `app.log.1`,
///   `app.log-DATE`, `app.1.log`): its rest is read first, then the file
///   at `path` from its start. When it is not found (removed, compressed),
///   the loss is reported as a failed item (a `.notFound` `refusal` naming
///   the file, the offset and the size it had) and the file at `path` is
///   read from its start.
///
/// Errors: a path that cannot be read (permission, a directory) is thrown,
/// not waited for. A line over the limit or not UTF-8 is an item of its
/// own with a `.validation` `refusal` (its bytes, line number, offset,
/// reason): a pipeline dead-letters it and the source reads on.
///
/// In a `Pipeline` the position is saved only once storage has acknowledged
/// the lines before it (`CheckpointedSource`): each line carries its
/// position as a checkpoint and a key (device, inode, offset), so a line
/// read again after a crash gets the same record id and is stored once.
public actor FollowFileSource: DataSource, ResumableSource {
    /// Where to start when no saved position applies.
    public enum Start: String, Sendable, Hashable {
        case beginning
        case end
    }

    public struct Options: Sendable, Hashable {
        public var format: DataFormat
        /// How long to wait before looking again once caught up.
        public var pollInterval: Duration
        /// A file to keep the position in; `nil` to start anew each time.
        public var positionFile: String?
        /// How often, at most, the position is saved while lines keep coming
        /// (it is also saved whenever the source is caught up, and on disconnect).
        public var checkpointInterval: Duration
        /// Where the first file is read from when no saved position applies.
        public var startAt: Start
        public var maxLineLength: Int
        public var validateUTF8: Bool
        public var readChunkSize: Int
        /// Lines merged into records; `nil`, a record per line. The position
        /// saved stays at the start of a record not yet handed on.
        public var multiline: MultilineOptions?

        public init(
            format: DataFormat = .jsonLines, pollInterval: Duration = .milliseconds(250), positionFile: String? = nil,
            checkpointInterval: Duration = .seconds(1), startAt: Start = .beginning, maxLineLength: Int = 16 << 20,
            validateUTF8: Bool = true, readChunkSize: Int = 256 << 10, multiline: MultilineOptions? = nil
        ) {
            self.multiline = multiline
            self.format = format
            self.pollInterval = pollInterval
            self.positionFile = positionFile
            self.checkpointInterval = checkpointInterval
            self.startAt = startAt
            self.maxLineLength = maxLineLength
            self.validateUTF8 = validateUTF8
            self.readChunkSize = max(4096, readChunkSize)
        }
    }

    public nonisolated let id: String
    public nonisolated let path: String
    public nonisolated let options: Options

    private var fd: Int32?
    private var identity: FileIdentity?
    private var cursor: LineCursor
    /// Bytes read from the open file (the cursor's offset plus what it buffers).
    private var readPosition: Int64 = 0
    private var openedBefore = false
    private var savedPosition: FilePosition?
    /// Set by `resume(from:)`: the position came from a resume store, the position file is not read.
    private var resumed = false
    private var lastSave: ContinuousClock.Instant?
    /// Set by a pipeline: the position is saved from `commit`, not as lines are read.
    private var savesCommitted = false
    /// The last position committed, and the last one written to the position file.
    private var committed: FilePosition?
    private var written: FilePosition?
    private let clock = ContinuousClock()
    /// Where reads and position saves block, instead of the cooperative pool.
    private let io: FileIOThread
    /// Set while a read is awaited: actors are reentrant, and two readers
    /// interleaving their chunks would scramble lines.
    private var reading = false
    /// The open file's fingerprint, taken again while the file is shorter than its full length.
    private var fingerprint: FileFingerprint?
    /// Whether the cursor's line numbers are the file's (it was read from its
    /// start, or resumed at a position that kept the count).
    private var linesKnown = true
    /// The path of the open file (`path`, or where a rotated file was found).
    private var openPath: String
    /// A loss found on restart (the saved file is gone), handed out as a failed item.
    private var lossNotice: CollectedData?
    /// Merges lines into records, with `multiline`; and when the last line came.
    private var merger: LineMerger?
    private var lastLineAt: ContinuousClock.Instant?

    public init(id: String, path: String, options: Options = Options()) {
        self.init(id: id, path: path, options: options, resumeAt: nil)
    }

    /// A follower of one of the files a `FollowGlobSource` follows: it keeps
    /// no position file of its own but starts from `resumeAt`, as if that
    /// had been loaded from one.
    init(id: String, path: String, options: Options, resumeAt: FilePosition?) {
        self.id = id
        self.path = path
        self.options = options
        savedPosition = resumeAt
        if let multiline = options.multiline { merger = try? LineMerger(multiline) }
        openPath = path
        cursor = LineCursor(
            sourceID: id, maxLineLength: options.maxLineLength,
            validateUTF8: options.validateUTF8 && !options.format.isJSON, path: path)
        io = FileIOThread(name: "file-follow")
    }

    /// The offset just past the last line handed out, in the file being read.
    public var offset: Int64 { resumeOffset }

    /// Where a restart resumes: past the last line handed out, or, while a
    /// multiline record is held, at its start.
    private var resumeOffset: Int64 { merger?.heldStart ?? cursor.offset }

    /// Loads the saved position and opens the file if it exists (so that
    /// `.end` means its end at connect time); a file created later is opened
    /// by the read that finds it.
    /// - Throws: when the path exists but cannot be read (permission, a directory).
    public func connect() async throws {
        guard fd == nil else { return }
        if let multiline = options.multiline, merger == nil { throw Self.badPattern(multiline, id) }
        if !resumed, let positionFile = options.positionFile, let loaded = await io.run({ FilePosition.load(from: positionFile) }) {
            savedPosition = loaded
        }
        _ = try await openIfPresent()
    }

    /// The error of a multiline pattern that does not compile (the connector checks scripts' patterns before).
    private static func badPattern(_ multiline: MultilineOptions, _ id: String) -> ErrorInfo {
        let pattern: String
        switch multiline.rule {
        case .start(let text), .continuation(let text): pattern = text
        }
        let reason = MultilineOptions.problem(with: pattern) ?? "\"\(pattern)\": malformed pattern"
        return ErrorInfo(
            .configuration, layer: .collection, operation: "connect", message: "multiline pattern \(reason)",
            details: ["source_id": .string(id)])
    }

    /// Saves the position and closes the file; a later `connect()` (of this
    /// source, or of a new one with the same `positionFile`) resumes there.
    public func disconnect() async {
        if savesCommitted {
            if let committed { await saveCommitted(committed, force: true) }
            if fd != nil {
                // A reconnect reads again what was not acknowledged.
                savedPosition = committed ?? savedPosition
                openedBefore = false
            }
            closeFile()
            return
        }
        await saveIfChanged(force: true)
        if let identity, fd != nil {
            // Kept in memory too, for a reconnect of this source without a position file.
            savedPosition = currentPosition(identity)
            openedBefore = false
        }
        closeFile()
    }

    /// Starts from a position a pipeline's resume store kept (it wins over the `positionFile`).
    public func resume(from checkpoint: DataValue) {
        guard fd == nil, let position = FilePosition(checkpoint: checkpoint) else { return }
        savedPosition = position
        resumed = true
    }

    /// From now on the position is saved by `commit(_:force:)` only (a pipeline calls this).
    public func useCommittedCheckpoints() {
        savesCommitted = true
    }

    /// Saves the position of a checkpoint this source made (every
    /// `checkpointInterval` at most, unless `force`); works connected or not,
    /// since a pipeline's last commit comes after its sources have stopped.
    public func commit(_ checkpoint: DataValue, force: Bool) async {
        guard let position = FilePosition(checkpoint: checkpoint) else { return }
        committed = position
        await saveCommitted(position, force: force)
    }

    private func saveCommitted(_ position: FilePosition, force: Bool) async {
        guard let positionFile = options.positionFile, position != written else { return }
        if !force, let lastSave, lastSave.duration(to: clock.now) < options.checkpointInterval { return }
        if await save(position, to: positionFile) {
            written = position
            lastSave = clock.now
        }
    }

    /// Writes the position file on the source's I/O thread; whether it was written.
    private func save(_ position: FilePosition, to positionFile: String) async -> Bool {
        await io.run { (try? position.save(to: positionFile)) != nil }
    }

    public func collect() async throws -> CollectedData {
        // Following never runs out: this waits for the next line.
        try await nextLine(waiting: true)!
    }

    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        pullStream { try await self.nextLine(waiting: true) }
    }

    /// The next item if one is ready now, `nil` when caught up (or no file is there yet).
    func poll() async throws -> CollectedData? {
        try await nextLine(waiting: false)
    }

    /// Saves the position now (it is saved on its own on disconnect and when
    /// caught up); in a pipeline, the last committed one.
    public func checkpoint() async {
        if savesCommitted {
            if let committed { await saveCommitted(committed, force: true) }
        } else {
            await saveIfChanged(force: true)
        }
    }

    /// The next item; `waiting`: until there is one (never `nil`), else `nil` when caught up.
    private func nextLine(waiting: Bool) async throws -> CollectedData? {
        guard !reading else {
            throw ErrorInfo(
                .configuration, layer: .collection, operation: "collect",
                message: "source '\(id)' is already being read by another caller", details: ["source_id": .string(id)])
        }
        reading = true
        defer { reading = false }
        while true {
            try Task.checkCancellation()
            guard let fd = try await openIfPresent() else {
                await saveIfChanged(force: false)
                guard waiting else { return nil }
                try await clock.sleep(for: options.pollInterval)
                continue
            }
            if let notice = lossNotice {
                lossNotice = nil
                return notice
            }
            switch cursor.next() {
            case .line(let payload, let start, let number):
                lastLineAt = clock.now
                if merger != nil {
                    if let record = merger?.add(payload, start: start, number: number) {
                        await saveIfChanged(force: false)
                        return item(record)
                    }
                    continue
                }
                await saveIfChanged(force: false)
                return item(payload, start: start, line: number)
            case .refused(let payload, let start, let number, let error):
                // The record before it goes first, in order: the refused line is read again.
                if let record = merger?.flush() {
                    cursor.reset(offset: start, lineNumber: cursor.lineNumber - 1)
                    _ = POSIXFile.seek(fd, to: start)
                    readPosition = start
                    return item(record)
                }
                await saveIfChanged(force: false)
                return item(payload, start: start, line: number, refusal: error)
            case .needMore:
                break
            }
            let bytes = try await read(fd)
            if !bytes.isEmpty {
                cursor.append(bytes)
                readPosition += Int64(bytes.count)
                continue
            }
            // At the end of the open file: has it been replaced, removed or cut short?
            let (current, size) = try await look(at: fd)
            if let identity, current.map({ !$0.isSameFile(as: identity) }) ?? true {
                // A writer may have appended between our read and the rename.
                let late = try await read(fd)
                if !late.isEmpty {
                    cursor.append(late)
                    readPosition += Int64(late.count)
                    continue
                }
                switch cursor.next(atEnd: true) {
                case .line(let payload, let start, let number):
                    if merger != nil {
                        if let record = merger?.add(payload, start: start, number: number) { return item(record) }
                        continue
                    }
                    return item(payload, start: start, line: number)
                case .refused(let payload, let start, let number, let error):
                    return item(payload, start: start, line: number, refusal: error)
                case .needMore: break
                }
                // The old file's last record ends with it.
                if let record = merger?.flush() { return item(record) }
                closeFile()
                continue
            }
            if let size, size < readPosition {
                _ = POSIXFile.seek(fd, to: 0)
                cursor.reset(offset: 0)
                linesKnown = true
                readPosition = 0
                _ = merger?.flush()
                continue
            }
            var pause = options.pollInterval
            if let timeout = merger?.options.timeout, merger?.isHolding == true {
                // No line for `timeout`: the record held is complete (a stack trace at the end of the file).
                let waited = lastLineAt.map { $0.duration(to: clock.now) } ?? timeout
                if waited >= timeout, let record = merger?.flush() {
                    await saveIfChanged(force: false)
                    return item(record)
                }
                pause = min(pause, timeout - waited)
            }
            await saveIfChanged(force: true)
            guard waiting else { return nil }
            try await clock.sleep(for: pause)
        }
    }

    /// A multiline record as an item: one JSON document for the JSON formats.
    private func item(_ record: LineMerger.Record) -> CollectedData {
        var data = item(record.payload, start: record.start, line: record.firstLine)
        if data.format == .jsonLines { data.format = .json }
        data.metadata["lines"] = .integer(Int64(record.lines))
        data.metadata["end_offset"] = .integer(resumeOffset)
        return data
    }

    private func item(_ payload: [UInt8], start: Int64, line: Int64, refusal: ErrorInfo? = nil) -> CollectedData {
        var metadata: DataObject = [
            "path": .string(openPath), "offset": .integer(start), "end_offset": .integer(cursor.offset),
        ]
        if linesKnown { metadata["line"] = .integer(line) }
        var key: String?
        var checkpoint: DataValue?
        if let identity {
            metadata["inode"] = .integer(Int64(bitPattern: identity.inode))
            key = "\(identity.device):\(identity.inode):\(start)"
            checkpoint = currentPosition(identity).checkpoint
        }
        return CollectedData(
            sourceID: id, format: options.format, method: .fileTail, payload: payload, metadata: metadata, key: key,
            checkpoint: checkpoint, refusal: refusal)
    }

    /// Where the open file is read up to, with its fingerprint (taken again
    /// while the file was shorter than a fingerprint's full length).
    private func currentPosition(_ identity: FileIdentity) -> FilePosition {
        if let fd, fingerprint.map({ $0.length < FileFingerprint.maxLength && Int64($0.length) < cursor.offset }) ?? true {
            fingerprint = FileFingerprint.of(fd)
        }
        let kept = fingerprint.flatMap { $0.length > 0 ? $0 : nil }
        // Lines before the resume offset: those before a held multiline record's first line.
        var line: Int64?
        if linesKnown {
            if let first = merger?.heldFirstLine { line = first - 1 } else { line = cursor.lineNumber }
        }
        return FilePosition(device: identity.device, inode: identity.inode, offset: resumeOffset, fingerprint: kept, line: line)
    }

    /// The open file, opening the one at `path` if none is (on the I/O
    /// thread); `nil` while there is none.
    private func openIfPresent() async throws(ErrorInfo) -> Int32? {
        if let fd { return fd }
        let opening = FollowedFileOpening(
            sourceID: id, path: path, saved: openedBefore ? nil : savedPosition, first: !openedBefore,
            startAtEnd: options.startAt == .end)
        guard let opened = try await io.run({ opening.open() }).get() else { return nil }
        if let fd {
            // Opened meanwhile by another caller (connect() racing a read): keep that one.
            io.close(opened.fd)
            return fd
        }
        if let lost = opened.lost { lossNotice = loss(lost) }
        openedBefore = true
        fd = opened.fd
        identity = opened.identity
        openPath = opened.path
        fingerprint = opened.fingerprint
        cursor.path = opened.path
        cursor.reset(offset: opened.start, lineNumber: opened.line ?? 0)
        linesKnown = opened.line != nil
        readPosition = opened.start
        lastLineAt = nil
        // A record held from before a reconnect is read again from the position resumed at.
        _ = merger?.flush()
        return opened.fd
    }

    /// The failed item that reports a saved file that cannot be found any more:
    /// what it held past the saved offset was never read.
    private func loss(_ saved: FilePosition) -> CollectedData {
        let message =
            "the file followed before the restart (device \(saved.device), inode \(saved.inode)) was rotated, truncated "
            + "or removed and is neither at '\(path)' nor beside it: whatever it held after byte \(saved.offset) was not read"
        let error = ErrorInfo(
            .notFound, layer: .collection, operation: "collect", message: message,
            details: [
                "source_id": .string(id), "path": .string(path), "offset": .integer(saved.offset),
                "device": .integer(Int64(bitPattern: saved.device)), "inode": .integer(Int64(bitPattern: saved.inode)),
                "reason": .string("rotated_file_lost"),
            ])
        return CollectedData(
            sourceID: id, format: options.format, method: .fileTail, payload: [],
            metadata: ["path": .string(path), "offset": .integer(saved.offset)], refusal: error)
    }

    /// Closes on the I/O thread, after any read of it still under way: its
    /// number must not be reused while that read runs.
    private func closeFile() {
        if let fd { io.close(fd) }
        fd = nil
    }

    /// At the end of the open file: what is at `path` now, and the open file's size (stat calls, on the I/O thread).
    private func look(at fd: Int32) async throws(ErrorInfo) -> (atPath: FileIdentity?, size: Int64?) {
        guard self.fd == fd else { throw SourceErrors.disconnected(id) }
        let path = self.path
        return await io.run { (POSIXFile.identity(ofPath: path), POSIXFile.identity(ofDescriptor: fd)?.size) }
    }

    /// The next chunk of the open file (empty at its end), read on the source's I/O thread.
    private func read(_ fd: Int32) async throws(ErrorInfo) -> [UInt8] {
        // Closed by a disconnect while this reader was suspended: the number may name another file now.
        guard self.fd == fd else { throw SourceErrors.disconnected(id) }
        switch await io.read(fd, upTo: options.readChunkSize) {
        case .success(let bytes): return bytes
        case .failure(let code):
            throw SourceErrors.system(id, operation: "collect", call: "read", errno: code.code, path: path)
        }
    }

    /// Saves the position when it changed and, unless forced, when the last save is old enough.
    /// A failed save is not fatal: the position is kept in memory and saved again later.
    private func saveIfChanged(force: Bool) async {
        guard !savesCommitted, let positionFile = options.positionFile, let identity else { return }
        let position = currentPosition(identity)
        guard position != savedPosition else { return }
        if !force, let lastSave, lastSave.duration(to: clock.now) < options.checkpointInterval { return }
        if await save(position, to: positionFile) {
            savedPosition = position
            lastSave = clock.now
        }
    }
}

extension FollowFileSource: FileReadingSource {
    public nonisolated var readPath: String { path }
}
