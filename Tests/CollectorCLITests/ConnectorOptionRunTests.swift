import Foundation
import Testing

/// What a user sees of the connectors' option schemas from the command
/// line: the checks of `collector check`, and `collector docs`.
@Suite("connector options from the command line")
struct ConnectorOptionRunTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func checkNamesTheConnectorAndTheOption() throws {
        let cases: [(String, String)] = [
            ("local db = storage.sqlite { table = 'x' }", ":1: storage.sqlite: option 'path' is required (the database file)"),
            ("local s = source.http { url = 'http://127.0.0.1/', jitter = 5 }", ":1: source.http: option 'jitter' must be a number from 0.0 to 1.0, got 5.0"),
            ("local s = source.follow { path = 'x', strat = 'end' }", ":1: source.follow: unknown option 'strat' (did you mean 'start'?)"),
            ("local s = source.websocket { url = 'ws://127.0.0.1/', verify_tls = 'no' }", ":1: source.websocket: option 'verify_tls' must be a boolean, got string"),
            ("local db = storage.jsonl { path = 'x', max_files = -1 }", ":1: storage.jsonl: option 'max_files' must be an integer from 0 to 100000, got -1"),
        ]
        for (source, expected) in cases {
            let script = try Collector.script(source)
            let outcome = try Collector.run(["check", script])
            #expect(outcome.status == 2, "\(source)")
            #expect(outcome.stderr.contains(script + expected), "\(outcome.stderr)")
        }
    }

    @Test func docsPrintsEveryConnectorsTable() throws {
        let outcome = try Collector.run(["docs"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for name in ["source.generator", "source.http", "source.websocket", "storage.sqlite", "storage.console"] {
            #expect(outcome.stdout.contains("| `\(name){}` |"), "\(name)")
        }
    }

    /// `collector docs --update DIR` rewrites a stale generated region, and
    /// leaves what is around it as it was.
    @Test func docsUpdateRewritesTheGeneratedRegions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("docs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        for folder in ["docs", "types"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        var originals: [String: String] = [:]
        for (file, stale) in [("docs/lua-api.md", "| `source.generator{}` |"), ("types/collector.lua", "function source.generator(options) end")] {
            let text = try String(contentsOf: Self.repository.appendingPathComponent(file), encoding: .utf8)
            originals[file] = text
            #expect(text.contains(stale))
            try text.replacingOccurrences(of: stale, with: "STALE").write(
                to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
        }
        let outcome = try Collector.run(["docs", "--update", directory.path])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for (file, original) in originals {
            #expect(try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) == original, "\(file)")
        }
        // A file without the markers is an error that names it.
        try "# nothing generated here\n".write(to: directory.appendingPathComponent("docs/lua-api.md"), atomically: true, encoding: .utf8)
        let missing = try Collector.run(["docs", "--update", directory.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("docs/lua-api.md: the generated region of the source connectors has no markers"), "\(missing.stderr)")
    }
}
