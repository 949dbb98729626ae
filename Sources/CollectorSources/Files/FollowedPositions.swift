import CollectorValues
import Foundation

/// The positions of the files a `FollowGlobSource` follows, one entry per
/// path, saved as one small JSON file (replaced atomically):
/// `{"files":[{"path":"/var/log/a.log","device":..,"inode":..,"offset":..,"fingerprint":..}]}`.
/// A gzip file, read once, keeps the number of lines handed out instead
/// (`gzip_lines`). A position file of one followed file (`FilePosition`,
/// no `files`) is read too: it applies to the file with its device and inode.
struct FollowedPositions: Hashable, Sendable {
    struct Entry: Hashable, Sendable {
        var position: FilePosition
        /// For a gzip file: lines handed out (the offset is not used).
        var gzipLines: Int64?
    }

    private(set) var files: [String: Entry] = [:]
    /// A position saved by a one-file follow: its path is not known.
    var unnamed: FilePosition?
    /// Each entry as a checkpoint value, and the paths in order: every item
    /// carries all entries, and only one changes from one item to the next.
    private var values: [String: DataValue] = [:]
    private var paths: [String] = []

    /// Sets the entry of the file at `path`.
    mutating func set(_ path: String, _ entry: Entry) {
        if files.updateValue(entry, forKey: path) == nil {
            let at = paths.firstIndex { $0 > path } ?? paths.endIndex
            paths.insert(path, at: at)
        }
        guard case .object(var object) = entry.position.checkpoint else { return }
        object["path"] = .string(path)
        if let lines = entry.gzipLines { object["gzip_lines"] = .integer(lines) }
        values[path] = .object(object)
    }

    static func load(from path: String) -> FollowedPositions? {
        guard let data = FileManager.default.contents(atPath: path),
            let value = try? JSONReader().read([UInt8](data))
        else { return nil }
        return FollowedPositions(checkpoint: value)
    }

    func save(to path: String) throws {
        var bytes = try JSONWriter().bytes(checkpoint)
        bytes.append(UInt8(ascii: "\n"))
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The positions as a pipeline checkpoint (`CollectedData.checkpoint`).
    var checkpoint: DataValue {
        .object(["files": .array(paths.compactMap { values[$0] })])
    }

    init() {}

    /// The positions a checkpoint (or a saved position file) holds; nil for a value that is not one.
    init?(checkpoint: DataValue) {
        guard case .array(let list)? = checkpoint["files"] else {
            guard let single = FilePosition(checkpoint: checkpoint) else { return nil }
            unnamed = single
            return
        }
        for element in list {
            guard case .string(let name)? = element["path"], let position = FilePosition(checkpoint: element) else { continue }
            set(name, Entry(position: position, gzipLines: element["gzip_lines"]?.intValue))
        }
    }

    /// The saved entry of the file at `path` (whose identity is `identity`):
    /// by its path, else a one-file position of the same device and inode.
    func entry(for path: String, identity: FileIdentity?) -> Entry? {
        if let entry = files[path] { return entry }
        if let unnamed, let identity, unnamed.device == identity.device, unnamed.inode == identity.inode {
            return Entry(position: unnamed)
        }
        return nil
    }
}
