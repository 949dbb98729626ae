import LuaRuntime

extension ReplSession {
    /// Completions for the word before the cursor: globals, or the fields of
    /// the table the dotted path names (`string.fo` → `string.format`,
    /// `s:co` → `s:collect` through the metatable's `__index` table).
    public func completions(for word: String) -> [String] {
        var separatorIndex: String.Index?
        for index in word.indices where word[index] == "." || word[index] == ":" { separatorIndex = index }
        guard let separator = separatorIndex else {
            return names(in: try? lua.global("_G"), prefix: word, fullPrefix: "")
        }
        let path = word[..<separator].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let partial = String(word[word.index(after: separator)...])
        var value = try? lua.global(path[0])
        for name in path.dropFirst() {
            guard case .table(let table)? = value else { return [] }
            value = try? lua.get(table, name)
        }
        return names(in: value, prefix: partial, fullPrefix: String(word[...separator]))
    }

    private func names(in container: LuaValue?, prefix: String, fullPrefix: String) -> [String] {
        var keys = Set<String>()
        var current = container
        // Follow __index tables a few levels (objects, classes, string methods).
        for _ in 0..<4 {
            guard let value = current else { break }
            if case .table(let table) = value, let entries = try? lua.entries(of: table) {
                for entry in entries { if case .string(let key) = entry.key { keys.insert(key) } }
            }
            current = indexTable(of: value)
        }
        return keys.filter { $0.hasPrefix(prefix) && isCompletable($0) }.sorted().map { fullPrefix + $0 }
    }

    private func indexTable(of value: LuaValue) -> LuaValue? {
        guard case .function(let getmetatable) = try? lua.global("getmetatable"),
            let metatable = try? lua.call(getmetatable, value).first, case .table(let table) = metatable,
            let index = try? lua.get(table, "__index"), case .table = index
        else { return nil }
        return index
    }

    private func isCompletable(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        return first == "_" || first.properties.isAlphabetic
    }
}
