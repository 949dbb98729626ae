import Foundation
import Testing

/// A source's secrets never reach what `collector run` prints, even from a
/// server that echoes the request (its headers, its URL) in its error body.
@Suite("collector run: secrets", .timeLimit(.minutes(2)))
struct SecretRedactionRunTests {
    /// The HTTP fixture server of the test suite, on a free loopback port.
    final class FixtureServer {
        let process = Process()
        let port: Int

        init() throws {
            let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-\(UUID().uuidString).out")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-u", tests.appendingPathComponent("Fixtures/http_fixture.py").path]
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            // It prints its port first (bounded wait).
            var port: Int?
            for _ in 0..<300 where port == nil {
                let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                if text.hasSuffix("\n") { port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if port == nil { Thread.sleep(forTimeInterval: 0.1) }
            }
            guard let port else {
                process.terminate()
                throw CocoaError(.fileReadCorruptFile)
            }
            self.port = port
        }

        deinit {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    @Test func anEchoedTokenKeyAndQuerySecretAppearNowhere() throws {
        let server = try FixtureServer()
        let script = try Collector.script("""
            local api = source.http {
              url = "http://127.0.0.1:\(server.port)/echo?status=500&api_key=QueryMarker_ghi",
              token = "TokMarker_abc", headers = { ["X-Api-Key"] = "KeyMarker_def" }, every = "1s",
            }
            on("*", function(e) print(json.encode(e)) end)
            pipeline "p" { from = api, to = storage.memory {}, dead_letter = storage.memory { id = "dead" } }
            """)
        let outcome = try Collector.run(["run", "--once", script, "--log-level", "debug"])
        let everything = outcome.stdout + outcome.stderr
        #expect(everything.contains("collection_failed"), "the failure was printed: \(everything.prefix(2000))")
        #expect(everything.contains("[REDACTED]"), "the echoed secrets were replaced")
        for marker in ["TokMarker_abc", "KeyMarker_def", "QueryMarker_ghi"] {
            #expect(!everything.contains(marker), "\(marker) leaked: \(everything.prefix(3000))")
        }
    }
}
