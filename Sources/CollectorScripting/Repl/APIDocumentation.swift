import Foundation

/// `:doc NAME` in the REPL: the parts of the API reference (docs/lua-api.md,
/// compiled in as `APIReference`) that document NAME.
public enum APIDocumentation {
    /// The reference's table rows and list items whose first code span starts
    /// with `name` (`source.file`, `json.decode`, `p:tap`), or else the sections
    /// whose heading mentions it; nil when nothing does.
    public static func lookup(_ name: String) -> String? {
        let query = name.trimmingCharacters(in: .whitespaces)
        guard !query.isEmpty else { return nil }
        let lines = APIReference.markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var entries: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let isItem = line.hasPrefix("- ") || line.hasPrefix("| ")
            if isItem, let code = firstCodeSpan(line), code.hasPrefix(query) {
                // A list item continues on its indented lines.
                var entry = [line]
                var next = index + 1
                while line.hasPrefix("- "), next < lines.count, lines[next].hasPrefix("  ") {
                    entry.append(lines[next])
                    next += 1
                }
                entries.append(entry.joined(separator: "\n"))
                index = next
                continue
            }
            index += 1
        }
        if !entries.isEmpty { return entries.joined(separator: "\n\n") }
        // Sections whose heading names it: the heading and its text up to the next heading.
        var sections: [String] = []
        index = 0
        while index < lines.count {
            if lines[index].hasPrefix("## "), lines[index].localizedCaseInsensitiveContains(query) {
                var section = [lines[index]]
                var next = index + 1
                while next < lines.count, !lines[next].hasPrefix("## ") {
                    section.append(lines[next])
                    next += 1
                }
                sections.append(section.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines))
                index = next
                continue
            }
            index += 1
        }
        return sections.isEmpty ? nil : sections.joined(separator: "\n\n")
    }

    /// The names `:doc` knows, for completion and for "did you mean".
    public static var names: [String] {
        var found: [String] = []
        for line in APIReference.markdown.split(separator: "\n") where line.hasPrefix("- ") || line.hasPrefix("| ") {
            if let code = firstCodeSpan(String(line)) {
                let name = code.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == ":" }
                if !name.isEmpty, !found.contains(String(name)) { found.append(String(name)) }
            }
        }
        return found
    }

    private static func firstCodeSpan(_ line: String) -> String? {
        guard let open = line.firstIndex(of: "`") else { return nil }
        let rest = line[line.index(after: open)...]
        guard let close = rest.firstIndex(of: "`") else { return nil }
        return String(rest[..<close])
    }
}
