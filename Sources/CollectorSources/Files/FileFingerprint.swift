import Foundation

/// A checksum of a file's first bytes (up to `maxLength`): with the device
/// and inode, it tells a followed file from a new one that got its inode
/// after it was removed (inodes are reused), as Fluent Bit's tail database
/// and Vector's checkpoints do. Appending never changes it; `length` says
/// how many bytes it covers, so a file that was shorter when it was taken
/// is compared over the same bytes.
struct FileFingerprint: Hashable, Sendable {
    static let maxLength = 1024

    var hash: UInt64
    var length: Int

    /// The fingerprint of the first `length` bytes of `fd` (fewer if the file is shorter).
    static func of(_ fd: Int32, length: Int = maxLength) -> FileFingerprint? {
        var bytes = [UInt8](repeating: 0, count: max(0, min(length, maxLength)))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + filled, raw.count - filled, off_t(filled))
            }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return nil }
            if n == 0 { break }
            filled += n
        }
        // FNV-1a: enough to tell files apart, not meant to resist forgery.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes[0..<filled] {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return FileFingerprint(hash: hash, length: filled)
    }

    /// Whether `fd` starts with the bytes this fingerprint was taken of.
    func matches(_ fd: Int32) -> Bool {
        FileFingerprint.of(fd, length: length) == self
    }
}
