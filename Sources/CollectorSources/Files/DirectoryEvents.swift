import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whether entries were added to (or renamed into, or removed from) some
/// directories since the last look: an inotify descriptor, read without
/// blocking. It tells a `FollowGlobSource` when looking at its pattern again
/// is worth a directory scan. Not thread-safe: its owner (an actor) asks.
final class DirectoryEvents {
    private let inotify: Int32
    private var watched: [String: Int32] = [:]
    private var buffer = [UInt8](repeating: 0, count: 16 << 10)

    /// `nil` where inotify is not available (the owner then scans on a timer only).
    init?() {
        let descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard descriptor >= 0 else { return nil }
        inotify = descriptor
    }

    deinit { close(inotify) }

    /// Watches `directories` too (those that exist; one that does not is not watched).
    func watch(_ directories: Set<String>) {
        let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)
        for directory in directories where watched[directory] == nil {
            let descriptor = inotify_add_watch(inotify, directory, mask)
            if descriptor >= 0 { watched[directory] = descriptor }
        }
    }

    /// Whether anything happened since the last call (the events are consumed).
    /// An overflowed queue counts as a change.
    func changed() -> Bool {
        var any = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress!, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return any }
            any = true
            // A watched directory that went away: watch it again once it is back.
            buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    if event.mask & UInt32(IN_IGNORED) != 0 {
                        watched = watched.filter { $0.value != event.wd }
                    }
                    offset += MemoryLayout<inotify_event>.size + Int(event.len)
                }
            }
        }
    }
}
