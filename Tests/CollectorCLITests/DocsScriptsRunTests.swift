import Foundation
import Testing

/// The Lua of the docs runs as it is shown, so the docs cannot drift from
/// the code. A fenced block says what it is in its info string:
/// - ` ```lua script `: a whole script; `collector check` and then
///   `collector run --once` must succeed on it;
/// - ` ```lua check `: a whole script that needs what a test has not (a
///   server, a file that grows forever); `collector check` must pass;
/// - ` ```lua script continues `: a script that goes on from the page's
///   `script` block before it (which runs first, in the same script);
/// - ` ```lua file=PATH ` (any language): written to PATH beside the page's
///   scripts before they run (a processor file, an input);
/// - ` ```lua `: a fragment, not run. A fragment that looks like a whole
///   script (it declares a pipeline or calls `run()`) fails the test: it
///   must say which it is.
///
/// The scripts of one page run in one directory, which holds the
/// examples' `processors/` and the page's `file=` blocks.
@Suite("docs scripts")
struct DocsScriptsRunTests {
    /// One fenced block of a page.
    struct Block: CustomTestStringConvertible, Sendable {
        var page: String
        var line: Int
        var language: String
        var attributes: [String]
        var code: String

        var testDescription: String { "\(page):\(line)" }
        var kind: String? { attributes.first { $0 == "script" || $0 == "check" } }
        var file: String? {
            attributes.first { $0.hasPrefix("file=") }.map { String($0.dropFirst("file=".count)) }
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The pages: README.md and every page under docs/.
    static let pages: [String] = {
        var pages = ["README.md"]
        let docs = repository.appendingPathComponent("docs")
        let files = FileManager.default.enumerator(atPath: docs.path)?.compactMap { $0 as? String } ?? []
        pages += files.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
        return pages
    }()

    /// The fenced blocks of `page`, with the line each opens on.
    static func blocks(of page: String) -> [Block] {
        guard let text = try? String(contentsOf: repository.appendingPathComponent(page), encoding: .utf8) else { return [] }
        var blocks: [Block] = []
        var open: Block?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var block = open {
                if trimmed == "```" {
                    blocks.append(block)
                    open = nil
                } else {
                    block.code += line + "\n"
                    open = block
                }
            } else if trimmed.hasPrefix("```") {
                let words = trimmed.dropFirst(3).split(separator: " ").map(String.init)
                open = Block(page: page, line: index + 1, language: words.first ?? "", attributes: Array(words.dropFirst()), code: "")
            }
        }
        return blocks
    }

    static let allBlocks = pages.flatMap(blocks(of:))
    static let scripts = allBlocks.filter { $0.language == "lua" && $0.kind != nil }

    /// Whether a fragment reads as a whole script.
    static func looksWhole(_ code: String) -> Bool {
        code.split(separator: "\n").contains { line in
            line.hasPrefix("pipeline \"") || line.hasPrefix("pipeline(") || line.contains("run()")
        }
    }

    @Test func theDocsHaveScriptsToRun() {
        // The scan itself: a parser that found nothing would pass every other test.
        #expect(Self.scripts.count >= 5, "scripts found: \(Self.scripts.map(\.testDescription))")
        #expect(Self.scripts.contains { $0.page == "README.md" }, "the README's quickstart is a script block")
    }

    @Test func everyWholeScriptSaysItIsOne() {
        let unmarked = Self.allBlocks.filter { $0.language == "lua" && $0.kind == nil && $0.file == nil && Self.looksWhole($0.code) }
        #expect(
            unmarked.isEmpty,
            "mark these blocks ```lua script (or check, or file=PATH): \(unmarked.map(\.testDescription).joined(separator: ", "))")
    }

    /// A directory for the scripts of `page`: the examples' processors and the page's files.
    static func directory(for page: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("collector-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repository.appendingPathComponent("examples/processors"), to: directory.appendingPathComponent("processors"))
        for block in blocks(of: page) {
            guard let file = block.file else { continue }
            let url = directory.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: url)
            try block.code.write(to: url, atomically: true, encoding: .utf8)
        }
        return directory
    }

    /// The block's code, after the script it continues.
    static func source(of block: Block) -> String {
        guard block.attributes.contains("continues") else { return block.code }
        let before = scripts.last { $0.page == block.page && $0.line < block.line && $0.kind == "script" && !$0.attributes.contains("continues")
        }
        return (before?.code ?? "") + block.code
    }

    @Test(arguments: scripts)
    func runsAsShown(_ block: Block) throws {
        let directory = try Self.directory(for: block.page)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("doc-\(block.line).lua")
        try Self.source(of: block).write(to: script, atomically: true, encoding: .utf8)
        let checked = try Collector.run(["check", script.path], directory: directory)
        #expect(checked.status == 0, "collector check: \(checked.stdout)\(checked.stderr)")
        guard block.kind == "script", checked.status == 0 else { return }
        // Bounded: a script that does not end is a failure, not a stuck suite.
        let ran = try Collector.run(
            ["run", "--once", "--quiet", script.path], launcher: (URL(fileURLWithPath: "/usr/bin/timeout"), ["120"]), directory: directory)
        #expect(ran.status == 0, "collector run (status \(ran.status), 124: did not end in 120 s): \(ran.stdout)\(ran.stderr)")
    }
}
