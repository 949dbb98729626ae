#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A pipe that every server thread polls beside its socket: one byte written
/// on stop makes its read end readable for good, so every wait returns at once.
struct WakeSignal: Sendable {
    let readEnd: Int32
    private let writeEnd: Int32

    init() throws(MetricsServerError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw MetricsServerError(.cannotListen, "cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        readEnd = fds[0]
        writeEnd = fds[1]
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Closes both ends, once no thread polls them any more.
    func release() {
        close(readEnd)
        close(writeEnd)
    }
}
