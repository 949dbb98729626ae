import Foundation

/// Pipes a test made for a source to read (a source on a descriptor does not
/// close it): written and closed at once, or kept open with nothing written.
final class Pipes: Sendable {
    private let open = LockedFDs()

    /// A pipe holding `text` whose write end is closed: a reader gets `text`, then the end.
    func reading(_ text: String) throws -> Int32 {
        let (read, write) = try make()
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(write, $0.baseAddress, $0.count) }
            guard n > 0 else { throw FixtureError("writing to a pipe failed (errno \(errno))") }
            written += n
        }
        close(write)
        open.add(read)
        return read
    }

    /// A pipe whose writer stays and writes nothing: a reader waits.
    func silent() throws -> Int32 {
        let (read, write) = try make()
        open.add(read)
        open.add(write)
        return read
    }

    /// Closes every pipe end still open.
    func closeAll() { open.closeAll() }

    private func make() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw FixtureError("pipe() failed (errno \(errno))") }
        return (fds[0], fds[1])
    }
}

private final class LockedFDs: @unchecked Sendable {
    private let lock = NSLock()
    private var fds: [Int32] = []

    func add(_ fd: Int32) { lock.withLock { fds.append(fd) } }

    func closeAll() {
        let all = lock.withLock { () -> [Int32] in
            defer { fds = [] }
            return fds
        }
        for fd in all { close(fd) }
    }
}
