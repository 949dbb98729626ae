import Foundation

/// Finds where a followed file went when it was rotated while nobody was
/// reading it: among the files beside it whose names extend its own —
/// `app.log.1`, `app.log.2`, `app.log-20250101` (logrotate's numbered and
/// dated names) and `app.1.log` — the one with the same device and inode
/// whose first bytes match the saved fingerprint. A compressed copy
/// (`app.log.1.gz`) is another file and is not found.
enum RotatedFileFinder {
    /// The rotated file's path, or nil when it is not beside `path` any more.
    static func find(_ position: FilePosition, beside path: String) -> String? {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        let stem = url.deletingPathExtension().lastPathComponent
        let ext = url.pathExtension
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        for entry in entries.sorted() where entry != name {
            let rotatedName =
                entry.hasPrefix(name + ".") || entry.hasPrefix(name + "-")
                || (!ext.isEmpty && entry.hasPrefix(stem + ".") && entry.hasSuffix("." + ext))
            guard rotatedName else { continue }
            let candidate = directory + "/" + entry
            guard let identity = POSIXFile.identity(ofPath: candidate), !identity.isDirectory,
                identity.device == position.device, identity.inode == position.inode, identity.size >= position.offset
            else { continue }
            if let fingerprint = position.fingerprint {
                guard case .success(let fd) = POSIXFile.open(candidate) else { continue }
                defer { POSIXFile.close(fd) }
                guard fingerprint.matches(fd) else { continue }
            }
            return candidate
        }
        return nil
    }
}
