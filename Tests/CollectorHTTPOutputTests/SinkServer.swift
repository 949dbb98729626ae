import Foundation

/// Tests/Fixtures/http_sink_fixture.py on a free loopback port: what it
/// accepted is read back from its log.
final class SinkServer: @unchecked Sendable {
    struct Post {
        var path: String
        var headers: [String: String]
        var gzip: Bool
        var format: String
        var records: [[String: Any]]
        var key: String?
        var duplicate: Bool
    }

    let process = Process()
    let port: Int
    let log: URL
    private let output: URL

    /// - Parameters: script: another fixture of Tests/Fixtures that takes a log path (the proxy).
    init(script: String = "http_sink_fixture.py", log: URL? = nil) throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let directory = FileManager.default.temporaryDirectory
        self.log = log ?? directory.appendingPathComponent("sink-\(UUID().uuidString).jsonl")
        output = directory.appendingPathComponent("sink-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", tests.appendingPathComponent("Fixtures/\(script)").path, self.log.path]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        var port: Int?
        for _ in 0..<300 where port == nil {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if text.hasSuffix("\n") { port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if port == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    /// Every POST accepted so far, in order.
    func posts() -> [Post] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let entry = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return nil }
            return Post(
                path: entry["path"] as? String ?? "", headers: entry["headers"] as? [String: String] ?? [:],
                gzip: entry["gzip"] as? Bool ?? false, format: entry["format"] as? String ?? "",
                records: entry["records"] as? [[String: Any]] ?? [], key: entry["key"] as? String,
                duplicate: entry["duplicate"] as? Bool ?? false)
        }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        // Reaped here, not by `waitUntilExit()`: that waits for Foundation's
        // child monitor on a dispatch thread, which a saturated pool (this
        // deinit runs on one of its threads) may never give it.
        var status: Int32 = 0
        while waitpid(process.processIdentifier, &status, 0) < 0, errno == EINTR {}
        try? FileManager.default.removeItem(at: log)
        try? FileManager.default.removeItem(at: output)
    }
}
