import CollectorValues
import Collectors
import Foundation

/// Follows every file a pattern matches (`/var/log/app/*.log`, see
/// `FileGlob`), each like `FollowFileSource` with a position of its own,
/// and the files that come to match while it runs: inotify watches the
/// directories (the pattern's fixed part, and those of the files matched),
/// and the pattern is looked at again, once all files are caught up, when
/// something was added to or renamed in them (at most every `pollInterval`),
/// and anyway every few seconds (a directory that did not exist, a new
/// subdirectory under `**`, a file system without inotify).
///
/// - Order: the lines of one file come in their order; files take turns.
/// - A gzip file (found by its first bytes) is read once to its end, not
///   followed: a rotated `app.log.1.gz` beside `app.log` is read once
///   (with the `decompression` given; without one it is an error).
/// - With a `positionFile`, the positions of all files are kept in it, one
///   entry per path (`FollowedPositions`); each item carries all of them as
///   its checkpoint, so that a pipeline saves them once the item is stored.
/// - A pattern that matches nothing yet is waited for (a notice says so).
/// - `startAt` applies to the files there at the first look; a file that
///   appears later is new, and read from its start.
public actor FollowGlobSource: DataSource, CheckpointedSource {
    private enum Follower {
        case growing(FollowFileSource)
        /// A gzip file read once; `skip`: lines handed out before a restart.
        case gzip(FileSource, identity: FileIdentity, fingerprint: FileFingerprint?, skip: Int64)
        case finished
    }

    public nonisolated let id: String
    public nonisolated let pattern: String
    public nonisolated let options: FollowFileSource.Options
    private let notice: @Sendable (String) -> Void

    private var followers: [(path: String, follower: Follower)] = []
    /// Every file met so far, by device and inode, with its fingerprint: a
    /// file renamed to another matching name (`app.log` rotated to
    /// `app.log.1`, with `app.log*`) is the same file, read by the follower
    /// of its old name to its end, not a new one to read again.
    private var seen: [FileKey: FileFingerprint?] = [:]
    private var turn = 0
    private var lookedAt: ContinuousClock.Instant?
    private var firstLook = true
    private var announcedWaiting = false
    private var reading = false
    /// Positions loaded at connect; those of the items handed out; committed by a pipeline; written.
    private var saved = FollowedPositions()
    private var current = FollowedPositions()
    private var committed: FollowedPositions?
    private var written: FollowedPositions?
    private var savesCommitted = false
    private var lastSave: ContinuousClock.Instant?
    private let clock = ContinuousClock()
    private let io = FileIOThread(name: "file-follow-glob")
    private let decompression: Decompression
    /// inotify on the directories while connected (an instance is a per-user
    /// resource); `nil` without it (then the pattern is looked at every `pollInterval`).
    private var events: DirectoryEvents?
    /// How often the pattern is looked at with no event from `events`.
    private var rescanInterval: Duration {
        events == nil ? options.pollInterval : max(options.pollInterval * 8, .seconds(2))
    }

    /// - Parameters:
    ///   - notice: told what the source waits for (no file matches yet); by default a line on standard error.
    ///   - decompression: how gzip files are read (`.zlib` of CollectorGzip); `.none` refuses them.
    public init(
        id: String, pattern: String, options: FollowFileSource.Options = .init(),
        notice: (@Sendable (String) -> Void)? = nil, decompression: Decompression = .none
    ) {
        self.id = id
        self.decompression = decompression
        self.pattern = pattern
        self.options = options
        self.notice = notice ?? { StandardError.write("collector: \($0)\n") }
    }

    /// Whether `path` is a pattern for this source: it has wildcards (`*`,
    /// `?`, `[`) and is not the name of a file that exists (`data[1].log`).
    public static func isPattern(_ path: String) -> Bool {
        FileGlob.isPattern(path) && POSIXFile.identity(ofPath: path) == nil
    }

    /// The paths followed now (or read once, gzip), sorted by when they were found.
    public var paths: [String] { followers.map(\.path) }

    public func connect() async throws {
        guard followers.isEmpty else { return }
        if let positionFile = options.positionFile, let loaded = await io.run({ FollowedPositions.load(from: positionFile) }) {
            saved = loaded
            current = loaded
        }
        events = DirectoryEvents()
        try await look()
    }

    public func disconnect() async {
        if savesCommitted {
            if let committed { await write(committed, force: true) }
            saved = committed ?? saved
        } else {
            await write(current, force: true)
            saved = current
        }
        for (_, follower) in followers {
            switch follower {
            case .growing(let source): await source.disconnect()
            case .gzip(let source, _, _, _): await source.disconnect()
            case .finished: break
            }
        }
        followers = []
        events = nil
        seen = [:]
        firstLook = true
        lookedAt = nil
    }

    public func useCommittedCheckpoints() {
        savesCommitted = true
    }

    public func commit(_ checkpoint: DataValue, force: Bool) async {
        guard let positions = FollowedPositions(checkpoint: checkpoint) else { return }
        committed = positions
        await write(positions, force: force)
    }

    public func collect() async throws -> CollectedData {
        try await next(waiting: true)!
    }

    public nonisolated func stream() -> AsyncThrowingStream<CollectedData, any Error> {
        pullStream { try await self.next(waiting: true) }
    }

    /// The next item; `waiting`: until there is one, else `nil` when all files are caught up.
    func next(waiting: Bool) async throws -> CollectedData? {
        guard !reading else {
            throw ErrorInfo(
                .configuration, layer: .collection, operation: "collect",
                message: "source '\(id)' is already being read by another caller", details: ["source_id": .string(id)])
        }
        reading = true
        defer { reading = false }
        while true {
            try Task.checkCancellation()
            if try await lookIsDue() { try await look() }
            for _ in 0..<followers.count {
                // A disconnect while a follower was awaited empties the list.
                guard !followers.isEmpty else { break }
                let index = turn % followers.count
                turn = index + 1
                if let item = try await poll(index) { return item }
            }
            if !savesCommitted { await write(current, force: false) }
            guard waiting else { return nil }
            try await clock.sleep(for: options.pollInterval)
        }
    }

    /// The next item of the file at `followers[index]`, if it has one now.
    private func poll(_ index: Int) async throws -> CollectedData? {
        let path = followers[index].path
        switch followers[index].follower {
        case .finished:
            return nil
        case .growing(let source):
            guard var item = try await source.poll() else { return nil }
            if let checkpoint = item.checkpoint, let position = FilePosition(checkpoint: checkpoint) {
                current.set(path, .init(position: position))
                item.checkpoint = current.checkpoint
            }
            return item
        case .gzip(let source, let identity, let fingerprint, let skip):
            while let item = try await source.readNext() {
                var item = item
                guard let first = item.metadata["line"]?.intValue else { return item }  // a corrupt stream's notice
                let last = first + (item.metadata["lines"]?.intValue ?? 1) - 1
                if last <= skip { continue }  // handed out before the restart
                let position = FilePosition(device: identity.device, inode: identity.inode, offset: 0, fingerprint: fingerprint)
                current.set(path, .init(position: position, gzipLines: last))
                item.key = "\(identity.device):\(identity.inode):gzip:\(first)"
                item.checkpoint = current.checkpoint
                return item
            }
            await source.disconnect()
            // Found by path: the list may have changed while this awaited.
            if let at = followers.firstIndex(where: { $0.path == path }) { followers[at].follower = .finished }
            return nil
        }
    }

    /// Whether to look at the pattern again: never looked, a directory event
    /// (at most every `pollInterval`), or `rescanInterval` since the last look.
    private func lookIsDue() async throws -> Bool {
        guard let lookedAt else { return true }
        let since = lookedAt.duration(to: clock.now)
        if since >= rescanInterval { return true }
        return since >= options.pollInterval && (events?.changed() ?? false)
    }

    /// Globs the pattern again and starts on the files new since the last look.
    private func look() async throws {
        let glob = FileGlob(pattern: pattern)
        let known = Set(followers.map(\.path))
        let earlier = seen
        let found = await io.run { glob.matches().filter { !known.contains($0) }.map { FileProbe.of($0, seen: earlier) } }
        lookedAt = clock.now
        for probe in found {
            guard let identity = probe.identity else { continue }  // gone again already
            // A gzip file written within the last second may be an archive still
            // being compressed (it would read as truncated): a later look takes it.
            if probe.isGzip, probe.recentlyWritten { continue }
            let key = FileKey(device: identity.device, inode: identity.inode)
            if probe.seenBefore {
                // Already followed under another name: noted under this one too, so it is not looked at again.
                followers.append((probe.path, .finished))
                continue
            }
            seen[key] = probe.fingerprint
            let entry = saved.entry(for: probe.path, identity: identity)
            if probe.isGzip {
                let sameFile = entry.map { $0.position.device == identity.device && $0.position.inode == identity.inode } ?? false
                let skip = sameFile ? (entry?.gzipLines ?? 0) : 0
                let source = FileSource(
                    id: id, path: probe.path,
                    options: .init(
                        mode: .lines, format: options.format, maxLineLength: options.maxLineLength,
                        validateUTF8: options.validateUTF8, readChunkSize: options.readChunkSize, multiline: options.multiline),
                    decompression: decompression)
                try await source.connect()
                followers.append((probe.path, .gzip(source, identity: identity, fingerprint: probe.fingerprint, skip: skip)))
            } else {
                var settings = options
                settings.positionFile = nil
                if !firstLook { settings.startAt = .beginning }
                let source = FollowFileSource(id: id, path: probe.path, options: settings, resumeAt: entry?.position)
                try await source.connect()
                followers.append((probe.path, .growing(source)))
            }
        }
        firstLook = false
        if let events {
            // Watched after the scan: a file created between the two is found by the next timed look.
            var directories: Set<String> = [FileGlob(pattern: pattern).fixedDirectory]
            for (path, _) in followers { directories.insert((path as NSString).deletingLastPathComponent) }
            events.watch(directories)
        }
        if followers.isEmpty, !announcedWaiting {
            announcedWaiting = true
            notice("source '\(id)': no file matches '\(pattern)' yet; waiting for one to appear")
        }
    }

    /// Writes the positions (every `checkpointInterval` at most, unless `force`), when they changed.
    private func write(_ positions: FollowedPositions, force: Bool) async {
        guard let positionFile = options.positionFile, positions != written else { return }
        if !force, let lastSave, lastSave.duration(to: clock.now) < options.checkpointInterval { return }
        if await io.run({ (try? positions.save(to: positionFile)) != nil }) {
            written = positions
            lastSave = clock.now
        }
    }
}

/// A file by device and inode.
private struct FileKey: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
}

/// What a newly matched file is: its identity, and whether it is gzip (its first bytes).
private struct FileProbe: Sendable {
    var path: String
    var identity: FileIdentity?
    var isGzip: Bool
    var fingerprint: FileFingerprint?

    /// A file met before under another name (same device, inode and first bytes).
    var seenBefore = false
    /// Modified within the last second.
    var recentlyWritten = false

    static func of(_ path: String, seen: [FileKey: FileFingerprint?]) -> FileProbe {
        guard case .success(let fd) = POSIXFile.open(path) else { return FileProbe(path: path, identity: nil, isGzip: false) }
        defer { POSIXFile.close(fd) }
        var magic = [UInt8](repeating: 0, count: 2)
        let count = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 2, 0) }
        let identity = POSIXFile.identity(ofDescriptor: fd)
        var probe = FileProbe(
            path: path, identity: identity, isGzip: count == 2 && Decompression.isGzip(magic), fingerprint: FileFingerprint.of(fd))
        var info = stat()
        if fstat(fd, &info) == 0 {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let age = Double(now.tv_sec - info.st_mtim.tv_sec) + Double(now.tv_nsec - info.st_mtim.tv_nsec) / 1e9
            probe.recentlyWritten = age < 1 && age > -1  // a future time (clock skew) does not defer it for ever
        }
        if let identity, let known = seen[FileKey(device: identity.device, inode: identity.inode)] {
            // Appending keeps the first bytes: compared over the length the earlier fingerprint covered.
            probe.seenBefore = known.map { $0.length == 0 || $0.matches(fd) } ?? true
        }
        return probe
    }
}

extension FollowGlobSource: FileReadingSource {
    public nonisolated var readPath: String { pattern }
}
