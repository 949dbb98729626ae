import Foundation

/// `~/.collector_history`: one entry a line, each appended as it is entered,
/// an entry of several lines (a block typed or pasted) on one line with its
/// line breaks written as the unit separator (0x1F, which no key types),
/// so the history survives however the session ends (`os.exit()`, SIGTERM,
/// a closed terminal) and sessions running at once all keep theirs. The
/// file is never rewritten in place: trimming writes a new file and renames
/// it over the old one, so an interrupted trim leaves the old file whole.
struct HistoryFile {
    let path: String
    /// Entries kept; the file may grow to twice this before it is trimmed.
    let limit: Int

    /// libedit's own format (`write_history`), which older versions wrote.
    private static let libeditCookie = Array("_HiStOrY_V2_".utf8)

    /// The last `limit` entries, oldest first. Trims the file when it has
    /// grown past twice the limit, and turns libedit's format into ours.
    func load() -> [[UInt8]] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)  // for the lock: a read-only history is still read
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        flock(descriptor, LOCK_EX)
        defer { flock(descriptor, LOCK_UN) }
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var entries = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map(Array.init)
            .map { $0.map { $0 == Self.lineBreak ? UInt8(ascii: "\n") : $0 } }
        var rewrite = false
        if entries.first == Self.libeditCookie {
            entries = entries.dropFirst().map(Self.unvis)
            rewrite = true
        }
        if entries.count > 2 * limit { rewrite = true }
        entries = Array(entries.suffix(limit))
        if rewrite { replace(with: entries) }
        return entries
    }

    /// How a line break inside an entry is written.
    private static let lineBreak: UInt8 = 0x1F

    /// Appends one entry; a failure to write costs the entry, never the session.
    func append(_ entry: [UInt8]) {
        guard !entry.isEmpty, !entry.contains(Self.lineBreak) else { return }
        for _ in 0..<3 {
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { return }
            defer { close(descriptor) }
            flock(descriptor, LOCK_EX)
            defer { flock(descriptor, LOCK_UN) }
            // Another session's trim may have renamed a new file into place meanwhile: write to that one.
            guard isStillAtPath(descriptor) else { continue }
            let line = Self.encoded(entry) + [UInt8(ascii: "\n")]
            _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            return
        }
    }

    private func isStillAtPath(_ descriptor: Int32) -> Bool {
        var opened = stat(), named = stat()
        guard fstat(descriptor, &opened) == 0, stat(path, &named) == 0 else { return false }
        return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino
    }

    /// Writes `entries` to a new file and renames it over the history (the caller holds the lock).
    private func replace(with entries: [[UInt8]]) {
        let temporary = path + ".\(getpid()).tmp"
        var bytes: [UInt8] = []
        for entry in entries { bytes += Self.encoded(entry) + [UInt8(ascii: "\n")] }
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
        else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// An entry as one line of the file.
    private static func encoded(_ entry: [UInt8]) -> [UInt8] {
        entry.map { $0 == UInt8(ascii: "\n") ? lineBreak : $0 }
    }

    /// Undoes libedit's encoding of an entry (`strvis` with `VIS_WHITE`: `\040` for a space, `\\`).
    private static func unvis(_ encoded: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        let backslash = UInt8(ascii: "\\")
        func isOctal(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "7") }
        while i < encoded.count {
            let byte = encoded[i]
            if byte == backslash, i + 3 < encoded.count, encoded[(i + 1)...(i + 3)].allSatisfy(isOctal) {
                let digits = encoded[(i + 1)...(i + 3)].reduce(0) { $0 * 8 + Int($1 - UInt8(ascii: "0")) }
                out.append(UInt8(truncatingIfNeeded: digits))
                i += 4
            } else if byte == backslash, i + 1 < encoded.count, encoded[i + 1] == backslash {
                out.append(backslash)
                i += 2
            } else {
                out.append(byte)
                i += 1
            }
        }
        return out
    }
}
