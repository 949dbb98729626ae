import Foundation

extension ReplSession {
    /// `:doc source.http` (or `source.http{}`): the connector's reference,
    /// made from its schema; nil when no connector has that name.
    public func connectorDocumentation(_ name: String) -> String? {
        var query = name.trimmingCharacters(in: .whitespaces)
        if query.hasSuffix("{}") { query.removeLast(2) }
        return connectors.first { $0.qualifiedName == query }.map(ConnectorDocs.text)
    }

    /// The options of the connector whose table is open at the end of
    /// `before` (`source.http { ur` → `url`), that start with `word`; nil
    /// when the text is not inside a connector's options.
    func optionCompletions(for word: String, before: String) -> [String]? {
        guard !word.contains("."), !word.contains(":"), let name = openConnector(in: before) else { return nil }
        guard let connector = connectors.first(where: { $0.qualifiedName == name }) else { return nil }
        let taken = Set(assignedNames(in: before))
        let names = connector.options.map(\.name).filter { $0.hasPrefix(word) && !taken.contains($0) }
        return names.isEmpty ? nil : names
    }

    /// `source.http` when `text` ends inside the top level of
    /// `source.http { ...` (or `source.http({ ...`); else nil.
    private func openConnector(in text: String) -> String? {
        let pattern = #"(source|storage)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(?\s*\{"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        let range = NSRange(text.startIndex..., in: text)
        guard let match = regex.matches(in: text, range: range).last,
            let kind = Range(match.range(at: 1), in: text), let name = Range(match.range(at: 2), in: text),
            let whole = Range(match.range, in: text)
        else { return nil }
        var depth = 1
        for character in text[whole.upperBound...] {
            if character == "{" { depth += 1 } else if character == "}" { depth -= 1 }
            if depth == 0 { return nil }
        }
        return depth == 1 ? "\(text[kind]).\(text[name])" : nil
    }

    /// The `name =` already written in the open table, so they are not offered again.
    private func assignedNames(in text: String) -> [String] {
        guard let open = text.lastIndex(of: "{") else { return [] }
        let inside = text[text.index(after: open)...]
        guard let regex = try? NSRegularExpression(pattern: #"([A-Za-z_][A-Za-z0-9_]*)\s*="#) else { return [] }
        let string = String(inside)
        return regex.matches(in: string, range: NSRange(string.startIndex..., in: string)).compactMap {
            Range($0.range(at: 1), in: string).map { String(string[$0]) }
        }
    }
}
