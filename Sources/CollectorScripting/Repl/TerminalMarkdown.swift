import Foundation

/// The markdown of the reference, as a terminal shows it (`:doc` in the
/// REPL on a terminal): headings in bold, code without its backticks and
/// fences (in colour, code blocks indented), links as their text, tables
/// with aligned columns, list items with a bullet. Piped, `:doc` prints the
/// markdown itself, to be saved or read elsewhere.
public enum TerminalMarkdown {
    /// - Parameters:
    ///   - width: the terminal's columns: a table wider than that is left as it is.
    ///   - colors: ANSI bold, colour and dim; without them, only the layout.
    public static func render(_ markdown: String, width: Int = 80, colors: Bool = true) -> String {
        var out: [String] = []
        var table: [[String]] = []
        var inCode = false
        func style(_ text: String, _ code: String) -> String { colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        func flushTable() {
            guard !table.isEmpty else { return }
            out += layout(table, width: width, colors: colors)
            table = []
        }
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                flushTable()
                inCode.toggle()
                continue
            }
            if inCode {
                out.append("    " + style(line, "36"))
                continue
            }
            if line.hasPrefix("|") {
                let cells = cells(of: line)
                // The row of dashes under the header says nothing a terminal shows.
                if !cells.allSatisfy({ $0.allSatisfy { $0 == "-" || $0 == ":" || $0 == " " } && !$0.isEmpty }) {
                    table.append(cells.map { inline($0, colors: colors) })
                }
                continue
            }
            flushTable()
            if let level = line.firstIndex(where: { $0 != "#" }).map({ line.distance(from: line.startIndex, to: $0) }),
                level > 0, level <= 6, line.dropFirst(level).first == " "
            {
                let title = inline(String(line.dropFirst(level + 1)), colors: colors)
                out.append(style(title, level <= 2 ? "1;4" : "1"))
                continue
            }
            if line.hasPrefix("- ") || line.hasPrefix("* ") {
                out.append("• " + inline(String(line.dropFirst(2)), colors: colors))
                continue
            }
            out.append(inline(line, colors: colors))
        }
        flushTable()
        return out.joined(separator: "\n")
    }

    /// A table row's cells, trimmed (`| a | b |`; a `\|` inside a cell stays).
    static func cells(of row: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var escaped = false
        var inCode = false
        for character in row.dropFirst() {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
                current.append(character)
            } else if character == "`" {
                inCode.toggle()
                current.append(character)
            } else if character == "|", !inCode {
                cells.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { cells.append(current.trimmingCharacters(in: .whitespaces)) }
        return cells.map { $0.replacingOccurrences(of: "\\|", with: "|") }
    }

    /// Rows with their columns aligned; a row wider than `width` is laid
    /// out as its cells, one per line, under the first.
    static func layout(_ rows: [[String]], width: Int, colors: Bool) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], visibleLength(cell)) }
        }
        let total = widths.reduce(0, +) + 2 * max(columns - 1, 0)
        return rows.flatMap { row -> [String] in
            if total <= width {
                return [
                    row.enumerated().map { index, cell in
                        index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - visibleLength(cell) + 2)
                    }.joined()
                ]
            }
            guard let first = row.first else { return [] }
            return [first] + row.dropFirst().filter { !$0.isEmpty }.map { "    " + $0 }
        }
    }

    /// Inline markdown: `code`, **bold**, [text](link).
    static func inline(_ text: String, colors: Bool) -> String {
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "`", let close = text[text.index(after: index)...].firstIndex(of: "`") {
                let code = String(text[text.index(after: index)..<close])
                out += colors ? "\u{1B}[36m\(code)\u{1B}[0m" : code
                index = text.index(after: close)
            } else if text[index...].hasPrefix("**"), let close = text[text.index(index, offsetBy: 2)...].range(of: "**") {
                let bold = String(text[text.index(index, offsetBy: 2)..<close.lowerBound])
                out += colors ? "\u{1B}[1m\(bold)\u{1B}[0m" : bold
                index = close.upperBound
            } else if character == "[", let middle = text[index...].range(of: "]("),
                let end = text[middle.upperBound...].firstIndex(of: ")"),
                !text[text.index(after: index)..<middle.lowerBound].contains("]")
            {
                out += String(text[text.index(after: index)..<middle.lowerBound])
                index = text.index(after: end)
            } else {
                out.append(character)
                index = text.index(after: index)
            }
        }
        return out
    }

    /// Length as shown: escape sequences take no room.
    static func visibleLength(_ text: String) -> Int {
        var length = 0
        var inEscape = false
        for character in text {
            if inEscape {
                if character.isLetter { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                length += 1
            }
        }
        return length
    }
}
