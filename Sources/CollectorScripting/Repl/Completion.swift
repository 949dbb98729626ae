import Foundation
import LuaRuntime

extension ReplSession {
    /// Completions for the word before the cursor: globals, or the fields of
    /// the table the dotted path names (`string.fo` → `string.format`,
    /// `t:me` through the metatable's `__index` table), and the methods and
    /// properties of engine objects (`db:qu` → `db:query`), and inside a
    /// connector's options table (`before` is the line up to the word) the
    /// options it takes (`source.http { ur` → `url`). Session variables (an
    /// earlier entry's top-level `local`) complete as globals do. File paths
    /// complete inside a string (`io.open("da` → `data/`) and after `:load`;
    /// the REPL's commands after `:` at the start of a line.
    public func completions(for word: String, before: String = "") -> [String] {
        let line = before.trimmingCharacters(in: .whitespaces)
        if line.isEmpty, word.hasPrefix(":") {
            return Self.commands.filter { $0.hasPrefix(word) }
        }
        if let command = line.split(separator: " ").first, [":load", ":l"].contains(String(command)) || Self.isInsideString(before) {
            return Self.paths(completing: word)
        }
        if let options = optionCompletions(for: word, before: before) { return options }
        var separatorIndex: String.Index?
        for index in word.indices where word[index] == "." || word[index] == ":" { separatorIndex = index }
        guard let separator = separatorIndex else {
            let locals = variables.keys.filter { $0.hasPrefix(word) }
            return Array(Set(names(in: try? lua.global("_G"), prefix: word, fullPrefix: "") + locals)).sorted()
        }
        let path = word[..<separator].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let partial = String(word[word.index(after: separator)...])
        var value = sessionVariable(path[0]) ?? (try? lua.global(path[0]))
        for name in path.dropFirst() {
            guard case .table(let table)? = value else { return [] }
            value = try? lua.get(table, name)
        }
        return names(in: value, prefix: partial, fullPrefix: String(word[...separator]), methodsOnly: word[separator] == ":")
    }

    /// `methodsOnly` (after `:`): an engine object's properties are left out.
    private func names(in container: LuaValue?, prefix: String, fullPrefix: String, methodsOnly: Bool = false) -> [String] {
        var keys = Set<String>()
        var current = container
        // Follow __index tables a few levels (objects, classes, string methods);
        // an engine object's __index is a function, and its metatable lists what it answers.
        for _ in 0..<4 {
            guard let value = current else { break }
            if case .table(let table) = value { insertKeys(of: table, into: &keys) }
            guard let metatable = lua.metatable(of: value) else { break }
            for listing in methodsOnly ? ["__methods"] : ["__methods", "__properties"] {
                if case .table(let table)? = try? lua.get(metatable, listing) { insertKeys(of: table, into: &keys) }
            }
            guard let index = try? lua.get(metatable, "__index"), case .table = index else { break }
            current = index
        }
        return keys.filter { $0.hasPrefix(prefix) && isCompletable($0) }.sorted().map { fullPrefix + $0 }
    }

    private func insertKeys(of table: LuaTable, into keys: inout Set<String>) {
        guard let entries = try? lua.entries(of: table) else { return }
        for entry in entries { if case .string(let key) = entry.key { keys.insert(key) } }
    }

    private func isCompletable(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        return first == "_" || first.properties.isAlphabetic
    }

    /// The REPL's commands, for completion after `:`.
    static let commands = [":help", ":load", ":reload", ":doc", ":quit"]

    /// Whether `text` ends inside a string literal: an opening quote not closed
    /// (an escaped quote does not count).
    static func isInsideString(_ text: String) -> Bool {
        var open: Character?
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if character == "\\", open != nil {
                escaped = true
            } else if let quote = open {
                if character == quote { open = nil }
            } else if character == "\"" || character == "'" {
                open = character
            }
        }
        return open != nil
    }

    /// Files and directories whose path starts with `word` (`~/` for the home
    /// directory; a directory ends with `/`, so completing goes on into it).
    /// Hidden entries only when the word names them (`.`).
    static func paths(completing word: String) -> [String] {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let expanded = word.hasPrefix("~/") ? home + word.dropFirst(1) : word
        let slash = expanded.lastIndex(of: "/")
        let directory = slash.map { String(expanded[...$0]) } ?? ""
        let prefix = slash.map { String(expanded[expanded.index(after: $0)...]) } ?? expanded
        let typedDirectory = word.lastIndex(of: "/").map { String(word[...$0]) } ?? ""
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else { return [] }
        return entries.filter { $0.hasPrefix(prefix) && (prefix.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().map { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory + name, isDirectory: &isDirectory)
            return typedDirectory + name + (isDirectory.boolValue ? "/" : "")
        }
    }
}
