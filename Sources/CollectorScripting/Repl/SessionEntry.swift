/// One REPL entry made ready to see and keep the session's locals.
///
/// Lua's scoping is per chunk, so `local x = 1` on one line would be gone
/// on the next. The entry's top-level `local` declarations become
/// assignments to session variables instead (`local a, b <const> = 1, 2`
/// → `a, b = 1, 2`; `local function f` → `function f`; `local a` →
/// `a = nil;`), which the REPL declares around the entry as upvalues shared
/// between entries. Declarations inside functions and blocks stay as they
/// are. A declaration with a `<close>` variable (closed when its entry
/// ends, as in `lua`) or one of `_ENV` stays local to its entry.
///
/// Only the source's bytes are rewritten, blanks for removed words, so its
/// lines (and the line numbers in messages) do not move. The source must
/// already compile: this reads its tokens, it does not check them.
struct SessionEntry {
    /// The entry, rewritten.
    var source: [UInt8]
    /// Names the entry declares at its top level, in order, with whether `<const>`.
    var declared: [(name: String, isConst: Bool)] = []
    /// Every name the entry mentions (a superset of the session variables it uses).
    var mentioned: Set<String> = []

    init(_ original: [UInt8]) {
        let tokens = LuaTokens(original).all()
        var edits: [(range: Range<Int>, replacement: [UInt8])] = []
        var depth = 0
        var i = 0
        func isSymbol(_ index: Int, _ text: String) -> Bool {
            index < tokens.count && tokens[index].kind == .symbol && tokens[index].text == text
        }
        while i < tokens.count {
            let token = tokens[i]
            if token.kind == .name {
                let afterField = i > 0 && (isSymbol(i - 1, ".") || isSymbol(i - 1, ":"))
                if !afterField { mentioned.insert(token.text) }
                switch token.text {
                case "function", "do", "if", "repeat": depth += 1
                case "end", "until": depth -= 1
                case "local" where depth == 0:
                    if let declaration = Self.declaration(tokens, at: i) {
                        declared += declaration.names
                        edits += declaration.edits
                    }
                default: break
                }
            }
            i += 1
        }
        var source = original
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            source.replaceSubrange(edit.range, with: edit.replacement)
        }
        self.source = source
    }

    /// The rewrite of the `local` statement at `index`; nil to leave it as it is.
    private static func declaration(
        _ tokens: [LuaTokens.Token], at index: Int
    ) -> (names: [(name: String, isConst: Bool)], edits: [(range: Range<Int>, replacement: [UInt8])])? {
        let local = tokens[index]
        let blank = { (range: Range<Int>) in (range: range, replacement: [UInt8](repeating: UInt8(ascii: " "), count: range.count)) }
        var i = index + 1
        guard i < tokens.count else { return nil }
        if tokens[i].kind == .name, tokens[i].text == "function" {
            guard i + 1 < tokens.count, tokens[i + 1].kind == .name, tokens[i + 1].text != "_ENV" else { return nil }
            return ([(tokens[i + 1].text, false)], [blank(local.range)])
        }
        var names: [(name: String, isConst: Bool)] = []
        var edits = [blank(local.range)]
        var end = local.range.upperBound
        while i < tokens.count, tokens[i].kind == .name {
            let name = tokens[i].text
            if name == "_ENV" { return nil }
            end = tokens[i].range.upperBound
            var isConst = false
            // An attribute: `<const>` or `<close>`.
            if i + 3 < tokens.count, tokens[i + 1].kind == .symbol, tokens[i + 1].text == "<",
                tokens[i + 2].kind == .name, tokens[i + 3].kind == .symbol, tokens[i + 3].text == ">"
            {
                if tokens[i + 2].text != "const" { return nil }
                isConst = true
                edits.append(blank(tokens[i + 1].range.lowerBound..<tokens[i + 3].range.upperBound))
                end = tokens[i + 3].range.upperBound
                i += 3
            }
            names.append((name, isConst))
            i += 1
            guard i < tokens.count, tokens[i].kind == .symbol, tokens[i].text == "," else { break }
            i += 1
        }
        guard !names.isEmpty else { return nil }
        if !(i < tokens.count && tokens[i].kind == .symbol && tokens[i].text == "=") {
            // `local a, b` sets them to nil; the `;` keeps a next line starting with `(` a statement of its own.
            edits.append((end..<end, Array(" = nil;".utf8)))
        }
        return (names, edits)
    }
}
