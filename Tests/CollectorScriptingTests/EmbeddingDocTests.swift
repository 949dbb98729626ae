import Foundation
import Testing

/// docs/embedding.md shows the files of examples/embedding (the
/// embedding-example target, which scripts/test.sh builds and runs) and of
/// examples/embedding-tests (its tests, with the conformance kit): each
/// Swift block of the page must be one of those files, whole, and each file
/// must be on the page, so that the page cannot drift from code that runs.
@Suite("docs/embedding.md")
struct EmbeddingDocTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The text of each ```swift block.
    static func swiftBlocks(of markdown: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```swift" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n") + "\n")
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test func thePageShowsTheExampleFilesAsTheyAre() throws {
        let page = try String(contentsOf: Self.repository.appendingPathComponent("docs/embedding.md"), encoding: .utf8)
        var files: [String: String] = [:]
        for folderName in ["examples/embedding", "examples/embedding-tests"] {
            let folder = Self.repository.appendingPathComponent(folderName)
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }.sorted()
            for name in names {
                files["\(folderName)/\(name)"] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            }
        }
        let blocks = Self.swiftBlocks(of: page)
        #expect(!blocks.isEmpty)
        // Named by their first lines, to keep a failure short.
        let stray = blocks.filter { !files.values.contains($0) }.map { $0.prefix { $0 != "\n" } }
        #expect(stray.isEmpty, "blocks of docs/embedding.md that are no file of the examples: \(stray)")
        let missing = files.filter { !blocks.contains($0.value) }.map(\.key).sorted()
        #expect(missing.isEmpty, "example files not on docs/embedding.md as they are: \(missing)")
    }
}
