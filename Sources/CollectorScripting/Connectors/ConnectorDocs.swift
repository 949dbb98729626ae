/// The documentation of connectors, made from their schemas: the option
/// tables of docs/lua-api.md, the LuaLS stubs of types/collector.lua (both
/// between generated-region markers, rewritten by `collector docs --update`),
/// and the REPL's `:doc source.NAME`.
public enum ConnectorDocs {
    public enum Style: Sendable {
        /// docs/lua-api.md
        case markdown
        /// types/collector.lua
        case lua
    }

    /// `:doc source.http`: the summary, how it is collected, and one line per option.
    public static func text(_ connector: ConnectorDescription) -> String {
        var lines = ["\(connector.qualifiedName){}: \(connector.summary)"]
        if let collection = connector.collection { lines.append("Collected: \(collection.description).") }
        lines.append("Options:")
        for option in documentedOrder(connector.options) { lines.append("  " + line(option)) }
        return lines.joined(separator: "\n")
    }

    /// The option table of one kind, as docs/lua-api.md has it.
    public static func markdownTable(_ connectors: [ConnectorDescription], kind: ConnectorDescription.Kind) -> String {
        var lines = ["| constructor | options |", "|---|---|"]
        for connector in connectors where connector.kind == kind {
            var cell = connector.summary
            switch connector.collection {
            case .none, .stream?: break
            case let collection?: cell += " Collected: \(collection.description)."
            }
            cell += " " + documentedOrder(connector.options).map(line).joined(separator: "; ")
            lines.append("| `\(connector.qualifiedName){}` | \(cell.replacingOccurrences(of: "|", with: "\\|")) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The LuaLS stubs of one kind: an options class and a function per connector.
    public static func luaStubs(_ connectors: [ConnectorDescription], kind: ConnectorDescription.Kind) -> String {
        var lines: [String] = []
        let ofKind = connectors.filter { $0.kind == kind }
        for connector in ofKind {
            lines.append("---@class \(className(connector))")
            for option in connector.options {
                var doc = option.doc
                if let value = option.defaultText { doc += doc.isEmpty ? "default \(value)" : " (default \(value))" }
                let type = option.annotation ?? option.type.luaType
                lines.append("---@field \(option.name)\(option.isRequired ? "" : "?") \(type)\(doc.isEmpty ? "" : " " + doc)")
            }
            lines.append("")
        }
        lines.append("---The \(kind == .source ? "native sources" : "native backends"). An unknown type or option is an error naming it.")
        lines.append("\(kind.rawValue) = {}")
        for connector in ofKind {
            lines.append("")
            lines.append("---\(connector.summary)")
            let optional = connector.options.contains { $0.isRequired } ? "" : "?"
            lines.append("---@param options\(optional) \(className(connector))")
            lines.append("---@return collector.\(kind == .source ? "Source" : "Storage")")
            lines.append("function \(connector.qualifiedName)(options) end")
        }
        return lines.joined(separator: "\n")
    }

    /// `text` with each generated region (between its markers) made anew from
    /// `connectors`; an error when a marker is missing.
    public static func regenerate(_ text: String, connectors: [ConnectorDescription], style: Style) throws -> String {
        var result = text
        for kind in [ConnectorDescription.Kind.source, .storage] {
            let (begin, end) = markers(kind, style: style)
            guard let start = result.range(of: begin), let stop = result.range(of: end, range: start.upperBound..<result.endIndex)
            else {
                throw ConnectorDocsError(message: "the generated region of the \(kind.rawValue) connectors has no markers (\(begin) ... \(end))")
            }
            let body = style == .markdown ? markdownTable(connectors, kind: kind) : luaStubs(connectors, kind: kind)
            result.replaceSubrange(start.upperBound..<stop.lowerBound, with: "\n" + body + "\n")
        }
        return result
    }

    /// The lines around a generated region.
    static func markers(_ kind: ConnectorDescription.Kind, style: Style) -> (begin: String, end: String) {
        let what = "\(kind.rawValue) connectors"
        switch style {
        case .markdown:
            return ("<!-- BEGIN GENERATED \(what): from the connectors' schemas by scripts/gen-api-reference.sh; do not edit -->",
                    "<!-- END GENERATED \(what) -->")
        case .lua:
            return ("-- BEGIN GENERATED \(what): from the connectors' schemas by scripts/gen-api-reference.sh; do not edit",
                    "-- END GENERATED \(what)")
        }
    }

    /// `collector.SourceHttpOptions`
    static func className(_ connector: ConnectorDescription) -> String {
        func capitalized(_ word: String) -> String { word.prefix(1).uppercased() + word.dropFirst() }
        let name = connector.name.split(separator: "_").map { capitalized(String($0)) }.joined()
        return "collector.\(capitalized(connector.kind.rawValue))\(name)Options"
    }

    /// `` `every` (duration, default `"60s"`): time between polls ``
    static func line(_ option: ConnectorOption) -> String {
        var parts = [option.type.description]
        if option.isRequired { parts.append("required") }
        if let value = option.defaultText { parts.append("default " + literal(value)) }
        let head = "`\(option.name)` (\(parts.joined(separator: ", ")))"
        return option.doc.isEmpty ? head : head + ": " + option.doc
    }

    /// `id` last: the options that say what the connector does come first.
    private static func documentedOrder(_ options: [ConnectorOption]) -> [ConnectorOption] {
        options.filter { $0.name != "id" } + options.filter { $0.name == "id" }
    }

    /// A Lua literal in a code span (`"60s"`, `10`, `true`); words as they are.
    private static func literal(_ text: String) -> String {
        if text.first == "\"", let close = text.dropFirst().firstIndex(of: "\"") {
            // `"NAME-1", ...`: the literal in a span, what follows as words.
            let end = text.index(after: close)
            return "`\(text[..<end])`\(text[end...])"
        }
        if Double(text) != nil || text == "true" || text == "false" { return "`\(text)`" }
        return text
    }
}

/// A docs file whose generated region cannot be found.
public struct ConnectorDocsError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
