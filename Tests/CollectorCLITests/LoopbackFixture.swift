import Foundation

/// A Python fixture server from Tests/Fixtures on a free loopback port
/// (it prints the port on its first line), killed when released.
final class LoopbackFixture {
    let process = Process()
    let port: Int
    /// What the fixture printed after its port.
    let output: URL

    init(_ script: String, arguments: [String] = []) throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        output = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", tests.appendingPathComponent("Fixtures/\(script)").path] + arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var port: Int?
        for _ in 0..<300 where port == nil {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n", omittingEmptySubsequences: false).first, text.contains("\n") {
                port = Int(line.trimmingCharacters(in: .whitespaces))
            }
            if port == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    var base: String { "http://127.0.0.1:\(port)" }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: output)
    }
}
