import Foundation

/// Programs from Debian packages the tests run (`prometheus`, `promtool`).
enum ExternalTools {
    /// The full path of `name` on `PATH`, or `nil` when it is not installed.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to its end with `input` on stdin. Blocking: use it inside `onThread`.
    static func run(_ executable: String, _ arguments: [String], input: String) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        return Outcome(
            status: reap(process) ?? -1, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    /// Waits for `process` to exit with `waitpid`, not `waitUntilExit()`: that
    /// waits for Foundation's child monitor on a dispatch thread, which a pool
    /// busy with tests may never give it. Its exit status (128 + the signal);
    /// `nil` with `WNOHANG` while it runs. When the monitor reaped it first
    /// (ECHILD), the monitor has its thread and records the status.
    @discardableResult
    static func reap(_ process: Process, options: Int32 = 0) -> Int32? {
        var status: Int32 = 0
        var result = waitpid(process.processIdentifier, &status, options)
        while result < 0, errno == EINTR { result = waitpid(process.processIdentifier, &status, options) }
        if result == 0 { return nil }
        guard result > 0 else { process.waitUntilExit(); return process.terminationStatus }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// A port that was free a moment ago (for a program that takes a port, not a socket).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw HTTPTestClient.Failure(description: "no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A fresh directory under the system temp dir, removed when released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "collector-metrics-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }
}
