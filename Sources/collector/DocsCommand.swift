import CollectorConnectors
import CollectorScripting
import Foundation

/// `collector docs`: the connectors' reference, made from their schemas.
/// `--update DIR` rewrites the generated regions of DIR/docs/lua-api.md and
/// DIR/types/collector.lua (what scripts/gen-api-reference.sh runs).
struct DocsCommand {
    let arguments: [String]

    static let help = """
        usage: collector docs [--update DIR]

        Prints the option tables of the sources and backends (markdown).

        options:
          --update DIR         rewrite the generated tables of DIR/docs/lua-api.md and
                               the stubs of DIR/types/collector.lua
        """

    func execute() -> Int32 {
        let connectors = BuiltinConnectors.all
        switch arguments.first {
        case nil:
            print(ConnectorDocs.markdownTable(connectors, kind: .source))
            print("")
            print(ConnectorDocs.markdownTable(connectors, kind: .storage))
            return 0
        case "-h", "--help":
            print(Self.help)
            return 0
        case "--update" where arguments.count == 2:
            let root = arguments[1]
            let files: [(String, ConnectorDocs.Style)] = [("docs/lua-api.md", .markdown), ("types/collector.lua", .lua)]
            for (file, style) in files {
                let path = "\(root)/\(file)"
                do {
                    let text = try String(contentsOfFile: path, encoding: .utf8)
                    let updated = try ConnectorDocs.regenerate(text, connectors: connectors, style: style)
                    if updated != text { try updated.write(toFile: path, atomically: true, encoding: .utf8) }
                    print("wrote \(path)")
                } catch {
                    FileHandle.standardError.write(Data("collector docs: \(path): \(error)\n".utf8))
                    return 1
                }
            }
            return 0
        default:
            FileHandle.standardError.write(Data("collector docs: unexpected arguments \(arguments.joined(separator: " "))\n\(Self.help)\n".utf8))
            return 2
        }
    }
}
