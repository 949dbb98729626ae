import Collectors
import Foundation

/// Opening the file a `FollowFileSource` reads next, as one piece of work
/// for the source's I/O thread: the open, stat and fingerprint calls (and,
/// on restart, the look for a rotated file) block on a slow or hung file
/// system like reads do. The source applies the result to its state.
struct FollowedFileOpening: Sendable {
    /// The file opened, positioned at `start`.
    struct Opened: Sendable {
        var fd: Int32
        var identity: FileIdentity
        /// `path`, or where the rotated file was found.
        var path: String
        var start: Int64
        /// Lines before `start`, when known (nil: opened at its end, or at a position saved without it).
        var line: Int64?
        var fingerprint: FileFingerprint?
        /// A saved position whose file is gone: what it held past its offset was never read.
        var lost: FilePosition?
    }

    let sourceID: String
    let path: String
    /// The position saved before a restart; `nil` once a file was opened (or without one).
    let saved: FilePosition?
    /// Whether this is the source's first file (where `saved` and `startAtEnd` apply).
    let first: Bool
    let startAtEnd: Bool

    /// The file to read now; `nil` while there is none at `path`.
    func open() -> Result<Opened?, ErrorInfo> {
        if first, let saved, let rotated = openRotated(saved) { return .success(rotated) }
        let fd: Int32
        switch POSIXFile.open(path) {
        case .success(let opened): fd = opened
        case .failure(let code):
            if code.code == ENOENT { return .success(nil) }
            return .failure(SourceErrors.system(sourceID, operation: "collect", call: "open", errno: code.code, path: path))
        }
        guard let opened = POSIXFile.identity(ofDescriptor: fd), !opened.isDirectory else {
            POSIXFile.close(fd)
            return .failure(SourceErrors.system(sourceID, operation: "collect", call: "open", errno: EISDIR, path: path))
        }
        var start: Int64 = 0
        var line: Int64? = 0
        var lost: FilePosition?
        if first {
            if let saved, saved.isFile(opened, open: fd) {
                start = saved.offset
                line = saved.line
            } else if let saved {
                lost = saved
            } else if startAtEnd {
                start = opened.size
                line = start == 0 ? 0 : nil
            }
        }
        if start > 0, !POSIXFile.seek(fd, to: start) { (start, line) = (0, 0) }
        return .success(
            Opened(
                fd: fd, identity: opened, path: path, start: start, line: line, fingerprint: FileFingerprint.of(fd), lost: lost))
    }

    /// On restart, the saved file when it is no longer at `path` but was
    /// rotated beside it: opened at the saved offset, so its rest is read
    /// before the file now at `path` (the usual end-of-rotated-file check
    /// moves on to that one).
    private func openRotated(_ saved: FilePosition) -> Opened? {
        if let current = POSIXFile.identity(ofPath: path), case .success(let fd) = POSIXFile.open(path) {
            let same = saved.isFile(current, open: fd)
            POSIXFile.close(fd)
            if same { return nil }
        }
        guard let found = RotatedFileFinder.find(saved, beside: path), case .success(let fd) = POSIXFile.open(found)
        else { return nil }
        guard let opened = POSIXFile.identity(ofDescriptor: fd), saved.isFile(opened, open: fd),
            POSIXFile.seek(fd, to: saved.offset)
        else {
            POSIXFile.close(fd)
            return nil
        }
        return Opened(
            fd: fd, identity: opened, path: found, start: saved.offset, line: saved.line, fingerprint: FileFingerprint.of(fd),
            lost: nil)
    }
}
