import Foundation

/// Reloads Lua processors when their files change: the processor file, and
/// the files of the modules it requires (see `LuaProcessor.watchedFiles`).
///
/// Changes are seen through inotify watches on the files' directories and
/// reported after a quiet period (`DirectoryWatcher`); the reloads then run
/// one at a time, in the background, each through `LuaProcessor.reload()`.
/// What they lead to is in each processor's `reloads`.
public final class ProcessorWatcher: Sendable {
    private let processors: [LuaProcessor]
    private let directories: DirectoryWatcher
    private let changes: AsyncStream<Set<String>>.Continuation
    private let worker: Task<Void, Never>

    /// Starts watching; the files are watched when this returns.
    /// - Parameters:
    ///   - quietPeriod: how long a file must stay unchanged before it is reloaded.
    ///   - saved: what a change does instead of `reload()` (a shadow run: `ShadowWatch.saved`).
    public init(
        processors: [LuaProcessor], quietPeriod: Duration = .milliseconds(50),
        saved: (@Sendable (LuaProcessor) async -> Void)? = nil
    ) throws {
        var unique: [LuaProcessor] = []
        for processor in processors where processor.file != nil && !unique.contains(where: { $0 === processor }) {
            unique.append(processor)
        }
        let (stream, continuation) = AsyncStream<Set<String>>.makeStream()
        let directories = try DirectoryWatcher(quietPeriod: quietPeriod) { continuation.yield($0) }
        let watched = unique
        directories.watch(watched.flatMap(\.watchedFiles))
        worker = Task {
            for await changed in stream {
                for processor in watched where !changed.isDisjoint(with: processor.watchedFiles) {
                    if let saved { await saved(processor) } else { await processor.reload() }
                }
                // A new version may require other modules.
                directories.watch(watched.flatMap(\.watchedFiles))
            }
        }
        self.processors = unique
        self.directories = directories
        changes = continuation
    }

    deinit { stop() }

    /// The files watched now (sorted).
    public var files: [String] { directories.files }

    /// Stops watching. A reload already running finishes.
    public func stop() {
        directories.stop()
        changes.finish()
    }
}
