import Collectors
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Watches files through inotify watches on their directories, and reports
/// the files that changed once they have been quiet for a while.
///
/// Watching the directory rather than the file is what makes editors work:
/// they save by writing a temporary file and renaming it over the old one,
/// which replaces the file (a watch on it would die with it). By the same
/// token a file that is deleted and created again, or replaced by a
/// directory and back, is seen each time. Only a finished write counts
/// (close after writing, a rename into place, a creation or a deletion),
/// never a write still in progress. A burst of changes (20 saves in 50 ms)
/// is reported once, when no change has come for `quietPeriod` (or at the
/// latest after `maxDelay`, so a file that never stops changing is still seen).
final class DirectoryWatcher: Sendable {
    private struct State {
        /// Watched files by directory.
        var files: [String: Set<String>] = [:]
        /// inotify watch descriptors and their directories.
        var directories: [Int32: String] = [:]
        var stopped = false
    }

    private let inotify: Int32
    /// Writing a byte here wakes the thread to stop it.
    private let wake: (read: Int32, write: Int32)
    private let quietPeriod: Duration
    private let maxDelay: Duration
    private let onChange: @Sendable (Set<String>) -> Void
    private let state = Locked(State())

    /// Events that finish a change; a plain write (IN_MODIFY) is not one, so
    /// a half-written file is not loaded before its writer closes it.
    private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE)

    /// - Parameter onChange: called on the watcher's thread with the changed files' paths.
    init(quietPeriod: Duration = .milliseconds(50), onChange: @escaping @Sendable (Set<String>) -> Void) throws {
        let descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard descriptor >= 0 else { throw Self.error("inotify_init1") }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            close(descriptor)
            throw Self.error("pipe")
        }
        inotify = descriptor
        wake = (pipeEnds[0], pipeEnds[1])
        self.quietPeriod = quietPeriod
        maxDelay = max(.seconds(1), quietPeriod * 10)
        self.onChange = onChange
        let thread = Thread { [self] in run() }
        thread.name = "processor file watcher"
        thread.start()
    }

    /// Watches exactly `files` from now on (their directories are watched; a
    /// directory that no longer has a watched file is not).
    func watch(_ files: [String]) {
        let wanted = Dictionary(grouping: files.map(ModuleFiles.canonical)) { ($0 as NSString).deletingLastPathComponent }
            .mapValues { Set($0.map { ($0 as NSString).lastPathComponent }) }
        state.withLock { s in
            guard !s.stopped else { return }
            for (descriptor, directory) in s.directories where wanted[directory] == nil {
                inotify_rm_watch(inotify, descriptor)
                s.directories[descriptor] = nil
            }
            for directory in wanted.keys where !s.directories.values.contains(directory) {
                let descriptor = inotify_add_watch(inotify, directory, Self.mask)
                // A directory that does not exist (yet) is not watched; its files' changes cannot be seen.
                if descriptor >= 0 { s.directories[descriptor] = directory }
            }
            s.files = wanted
        }
    }

    /// The files watched now.
    var files: [String] {
        state.withLock { s in s.files.flatMap { directory, names in names.map { "\(directory)/\($0)" } }.sorted() }
    }

    /// Stops the thread; changes not yet reported are dropped.
    func stop() {
        let first = state.withLock { s -> Bool in
            defer { s.stopped = true }
            return !s.stopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    private func run() {
        defer {
            close(inotify)
            close(wake.read)
            close(wake.write)
        }
        let size = 64 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        var pending = Set<String>()
        var burst: (first: ContinuousClock.Instant, last: ContinuousClock.Instant)?
        while true {
            var timeout: Int32 = -1
            if let burst {
                let due = min(burst.last + quietPeriod, burst.first + maxDelay)
                timeout = Int32(clamping: max(0, Self.milliseconds(due - .now)))
            }
            var descriptors = [
                pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&descriptors, 2, timeout) < 0, errno != EINTR { return }
            if descriptors[1].revents != 0 { return }
            if descriptors[0].revents != 0 {
                let changed = readEvents(into: buffer, size: size)
                if !changed.isEmpty {
                    pending.formUnion(changed)
                    let now = ContinuousClock.now
                    burst = (burst?.first ?? now, now)
                }
            }
            guard let current = burst else { continue }
            let now = ContinuousClock.now
            if now - current.last >= quietPeriod || now - current.first >= maxDelay {
                if state.withLock({ $0.stopped }) { return }
                onChange(pending)
                pending.removeAll()
                burst = nil
            }
        }
    }

    /// Reads what inotify has and returns the watched files it names. A
    /// queue overflow (events were lost) counts as a change of every file.
    private func readEvents(into buffer: UnsafeMutableRawPointer, size: Int) -> Set<String> {
        var changed = Set<String>()
        let header = MemoryLayout<inotify_event>.size
        while true {
            let count = read(inotify, buffer, size)
            guard count > 0 else { return changed }
            state.withLock { s in
                var offset = 0
                while offset + header <= count {
                    let descriptor = buffer.load(fromByteOffset: offset, as: Int32.self)
                    let mask = buffer.load(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                    let name = Self.name(buffer + offset + header, length: length)
                    offset += header + length
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        for (directory, files) in s.files { changed.formUnion(files.map { "\(directory)/\($0)" }) }
                        continue
                    }
                    if mask & UInt32(IN_IGNORED) != 0 {
                        s.directories[descriptor] = nil  // the directory went away, and its watch with it
                        continue
                    }
                    guard let directory = s.directories[descriptor], s.files[directory]?.contains(name) == true else { continue }
                    changed.insert("\(directory)/\(name)")
                }
            }
        }
    }

    /// The NUL-padded name that follows an event's header.
    private static func name(_ start: UnsafeMutableRawPointer, length: Int) -> String {
        let bytes = UnsafeRawBufferPointer(start: start, count: length)
        let end = bytes.firstIndex(of: 0) ?? length
        return String(decoding: bytes[..<end], as: UTF8.self)
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }

    private static func error(_ call: String) -> ErrorInfo {
        ErrorInfo(
            .configuration, layer: .scripting, operation: "watch",
            message: "cannot watch processor files: \(call) failed: \(String(cString: strerror(errno)))")
    }
}
