import Collectors
import Foundation

/// `collector test --watch`: waits for a Lua file of the tests to change
/// (a test file, a processor module, a module they require beside them),
/// so that the tests run again on each save.
///
/// The files watched are every `.lua` file in the directories of the paths
/// given (and below a directory given), listed again before each wait, so a
/// test file created meanwhile is seen from the next run on.
public final class ProcessorTestWatcher: Sendable {
    private let watcher: DirectoryWatcher
    private let changes = Locked(Set<String>())
    private let signal = DispatchSemaphore(value: 0)
    private let paths: [String]

    /// - Parameter paths: what `collector test` was given.
    public init(paths: [String]) throws {
        self.paths = paths
        let changes = changes
        let signal = signal
        watcher = try DirectoryWatcher { changed in
            changes.withLock { $0.formUnion(changed) }
            signal.signal()
        }
    }

    deinit { watcher.stop() }

    /// The Lua files of `paths`: those beside a file given, and below a directory given.
    public static func files(for paths: [String]) -> [String] {
        var files = Set<String>()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                let found = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
                files.formUnion(found.filter { $0.hasSuffix(".lua") }.map { "\(path)/\($0)" })
            } else {
                let directory = (path as NSString).deletingLastPathComponent
                let base = directory.isEmpty ? "." : directory
                let beside = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
                files.formUnion(beside.filter { $0.hasSuffix(".lua") }.map { "\(base)/\($0)" })
                files.insert(path)
            }
        }
        return files.sorted()
    }

    /// Blocks until one of the files changes (a burst of saves counts once);
    /// returns the files that changed. Call it from a thread of its own (the
    /// command's main thread), never from a task.
    public func waitForChange() -> Set<String> {
        watcher.watch(Self.files(for: paths))
        while true {
            signal.wait()
            let changed = changes.withLock { changes -> Set<String> in
                defer { changes.removeAll() }
                return changes
            }
            if !changed.isEmpty { return changed }
        }
    }
}
