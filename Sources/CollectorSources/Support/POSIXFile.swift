import Foundation

// The seam to the operating system's file calls (Glibc on Linux, Darwin on
// macOS: the same POSIX names, re-exported by Foundation on both).

/// Which file a path or descriptor is: device and inode, and its size.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var isDirectory: Bool

    /// Same file (rotation replaces the inode at a path; size does not matter).
    func isSameFile(as other: FileIdentity) -> Bool { device == other.device && inode == other.inode }
}

enum POSIXFile {
    /// Opens for reading; the errno on failure.
    static func open(_ path: String) -> Result<Int32, POSIXErrorCode32> {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        return fd >= 0 ? .success(fd) : .failure(POSIXErrorCode32(errno))
    }

    static func close(_ fd: Int32) { _ = Foundation.close(fd) }

    /// Reads into `buffer`: the count (0 at end of file), or the errno. Retries EINTR.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, POSIXErrorCode32> {
        while true {
            let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return .success(n) }
            if errno != EINTR { return .failure(POSIXErrorCode32(errno)) }
        }
    }

    static func seek(_ fd: Int32, to offset: Int64) -> Bool {
        lseek(fd, off_t(offset), SEEK_SET) >= 0
    }

    static func identity(ofPath path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(info)
    }

    static func identity(ofDescriptor fd: Int32) -> FileIdentity? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return FileIdentity(info)
    }
}

/// An errno value.
struct POSIXErrorCode32: Error, Hashable, Sendable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
}

extension FileIdentity {
    init(_ info: stat) {
        device = UInt64(truncatingIfNeeded: info.st_dev)
        inode = UInt64(truncatingIfNeeded: info.st_ino)
        size = Int64(info.st_size)
        isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
    }
}
