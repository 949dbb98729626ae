import Foundation

/// A throwaway mosquitto broker on 127.0.0.1 (Tests/Fixtures/mqtt_broker.py):
/// a free port, a config and persistence in a temporary directory. `stop`
/// and `start` again keep the port and the persisted sessions; the broker
/// is killed when released.
final class MosquittoBroker: @unchecked Sendable {
    // @unchecked: used from one test at a time; `process` changes only in start/stop.
    let directory: URL
    private(set) var port = 0
    private let extraConfig: [String]
    private var process: Process?

    init(config extraConfig: [String] = [], directory: URL? = nil) throws {
        self.directory =
            directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("mqtt-broker-\(UUID().uuidString)")
        self.extraConfig = extraConfig
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        try start()
    }

    var url: String { "mqtt://127.0.0.1:\(port)" }

    func start() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/mqtt_broker.py")
        let output = directory.appendingPathComponent("port-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", script.path, directory.path, String(port)] + extraConfig
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("broker.log").creatingFile())
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<100 {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if text.contains("\n"), let number = Int(text.split(separator: "\n")[0]) {
                port = number
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard port > 0 else { throw BrokerError("the broker fixture printed no port") }
        // Listening once a TCP connection is accepted.
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            guard process.isRunning else { throw BrokerError("mosquitto ended: \(log)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw BrokerError("mosquitto did not listen on port \(port): \(log)")
    }

    /// Stops the broker as an operator would (SIGTERM: it saves its sessions).
    func stop() {
        guard let process else { return }
        self.process = nil
        process.terminate()
        Self.reap(process)
    }

    /// Waits for a child (the broker, a client tool) to exit with `waitpid`,
    /// not `waitUntilExit()`: that waits for Foundation's child monitor on a
    /// dispatch thread, which a saturated pool (the caller runs on one of its
    /// threads) may never give it. Returns its exit status (128 + the signal).
    @discardableResult
    static func reap(_ process: Process) -> Int32 {
        var status: Int32 = 0
        var result = waitpid(process.processIdentifier, &status, 0)
        while result < 0, errno == EINTR { result = waitpid(process.processIdentifier, &status, 0) }
        // ECHILD: Foundation's monitor reaped it first, so it has its thread and records the status.
        guard result > 0 else { process.waitUntilExit(); return process.terminationStatus }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    var log: String { (try? String(contentsOf: directory.appendingPathComponent("broker.log"), encoding: .utf8)) ?? "" }

    deinit {
        if let process {
            kill(process.processIdentifier, SIGKILL)
            Self.reap(process)
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct BrokerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension URL {
    /// The file, created empty if it is not there.
    fileprivate func creatingFile() -> URL {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        return self
    }
}
