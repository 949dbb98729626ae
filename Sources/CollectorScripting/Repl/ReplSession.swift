import LuaRuntime

/// The evaluator behind `collector repl`, apart from any terminal: it takes
/// lines and answers what to show, the way Lua's own interpreter does.
///
/// Input is tried as `return <input>` (so `1 + 1` prints 2, and so does an
/// expression spread over lines; `=expr` is `return expr`, as in `lua`); if
/// that does not compile it runs as a statement. Input whose syntax error is
/// at `<eof>` is incomplete: the session keeps it and asks for another line.
/// Messages name an entry's lines as `stdin:N:`, counted from the line
/// number its first line is submitted with (the line of piped input; 1 on a
/// terminal, as `lua` does).
///
/// Beyond `lua`: an entry's top-level `local`s are session variables, seen
/// by the entries after it (see `SessionEntry`), and `_` is the first value
/// of the last entry that gave any.
public final class ReplSession {
    public enum Outcome {
        /// The input ran; these are its results (possibly none).
        case values([LuaValue])
        /// The input is incomplete; show the continuation prompt.
        case incomplete
        /// The input failed; the session goes on.
        case failed(LuaError)
    }

    public let lua: LuaState
    /// The connectors of the session's `source` and `storage` tables, for
    /// `:doc source.NAME` and the completion of their options.
    public let connectors: [ConnectorDescription]
    /// Lines as bytes: Lua strings are bytes, and a line may hold some that are not UTF-8.
    private var pending: [[UInt8]] = []
    /// The input line the pending entry began on.
    private var firstLine = 1
    /// The session variables declared so far, and whether each is `<const>`.
    private(set) var variables: [String: Bool] = [:]
    /// Joins an entry's upvalues to the session variables' cells (made once).
    private var binder: LuaFunction?
    /// Reads a session variable's cell, by name (made with the binder).
    private var variableReader: LuaFunction?

    public init(lua: LuaState, connectors: [ConnectorDescription] = []) {
        self.lua = lua
        self.connectors = connectors
        // Made now, before an entry can change `debug` or `string`; made on first use if this fails.
        binder = try? makeBinder()
    }

    /// Whether earlier lines wait for the rest of a statement.
    public var isContinuing: Bool { !pending.isEmpty }

    /// The input line the pending entry began on (for a message about an unfinished one).
    public var pendingFirstLine: Int? { pending.isEmpty ? nil : firstLine }

    /// Drops a half-typed statement (Ctrl-C at a continuation prompt).
    public func discardPending() { pending.removeAll() }

    public func submit(_ line: String, lineNumber: Int = 1) -> Outcome {
        submit(bytes: Array(line.utf8), lineNumber: lineNumber)
    }

    /// Takes one line of input, byte for byte; `lineNumber` is where it is
    /// in the input, and counts only for the first line of an entry.
    public func submit(bytes line: [UInt8], lineNumber: Int = 1) -> Outcome {
        if pending.isEmpty { firstLine = max(1, lineNumber) }
        pending.append(line)
        var entry = Array(pending.joined(separator: [UInt8(ascii: "\n")]))
        if entry.first == UInt8(ascii: "=") { entry = Array("return ".utf8) + entry.dropFirst() }
        // Empty lines before the entry make Lua count its lines from where it began in the input.
        let padding = [UInt8](repeating: UInt8(ascii: "\n"), count: firstLine - 1)
        let body: [UInt8]
        // Every time, not only for a first line: an expression over several lines prints too.
        if (try? lua.load(bytes: padding + Array("return ".utf8) + entry, name: Self.chunkName)) != nil {
            body = Array("return ".utf8) + entry
        } else {
            // Compiled as the user wrote it first, so that syntax errors are theirs, not the rewrite's.
            do {
                _ = try lua.load(bytes: padding + entry, name: Self.chunkName)
            } catch where error.isIncompleteInput {
                return .incomplete
            } catch {
                pending.removeAll()
                return .failed(error)
            }
            body = entry
        }
        pending.removeAll()
        return run(SessionEntry(body), padding: padding)
    }

    private static let chunkName = "=stdin"

    /// Runs an entry as a function whose upvalues are the session variables it
    /// mentions or declares, declared on the entry's first line (so no line moves).
    private func run(_ entry: SessionEntry, padding: [UInt8]) -> Outcome {
        // `local _, v = ...` is common in pasted code: its `_` is a throwaway, not a session variable hiding the last result.
        let declared = Dictionary(
            entry.declared.filter { $0.name != "_" }.map { ($0.name, $0.isConst) }, uniquingKeysWith: { _, last in last })
        let names = Set(variables.keys).intersection(entry.mentioned).union(declared.keys).sorted()
        do {
            let values: [LuaValue]
            if names.isEmpty {
                values = try lua.call(try lua.load(bytes: padding + entry.source, name: Self.chunkName))
            } else {
                // A `<const>` session variable stays read-only in later entries; one declared again is not.
                let list = names.map { declared[$0] == nil && variables[$0] == true ? "\($0) <const>" : $0 }
                let header = "local \(list.joined(separator: ", ")); return function(...) "
                let outer = try lua.load(bytes: padding + Array(header.utf8) + entry.source + Array("\nend".utf8), name: Self.chunkName)
                guard case .function(let inner) = try lua.call(outer).first else {
                    return .failed(LuaError(.runtime, "the REPL could not prepare the entry"))
                }
                try lua.call(try sessionBinder(), inner, names.joined(separator: " "))
                for (name, isConst) in declared { variables[name] = isConst }
                values = try lua.call(inner)
            }
            if let first = values.first { try? lua.setGlobal("_", first) }
            return .values(values)
        } catch {
            return .failed(error)
        }
    }

    /// The function that gives an entry's upvalues the session's cells: one
    /// closure per variable holds it, and the entry's upvalue of that name is
    /// joined to it, so every entry (and every function made in one) shares it.
    private func sessionBinder() throws(LuaError) -> LuaFunction {
        if let binder { return binder }
        let made = try makeBinder()
        binder = made
        return made
    }

    private func makeBinder() throws(LuaError) -> LuaFunction {
        let source = """
            local getupvalue, upvaluejoin, gmatch = debug.getupvalue, debug.upvaluejoin, string.gmatch
            local cells = {}
            return function(f, names)
              local wanted = {}
              for name in gmatch(names, "%S+") do
                wanted[name] = true
                if not cells[name] then
                  local value
                  cells[name] = function() return value end
                end
              end
              local i = 1
              while true do
                local name = getupvalue(f, i)
                if name == nil then return end
                if wanted[name] then upvaluejoin(f, i, cells[name], 1) end
                i = i + 1
              end
            end, function(name)  -- a session variable's value (for completion)
              local cell = cells[name]
              if cell then return cell() end
            end
            """
        let made = try lua.call(try lua.load(source, name: "=repl"))
        guard case .function(let joiner)? = made.first, made.count == 2, case .function(let reader) = made[1] else {
            throw LuaError(.runtime, "the REPL could not set up its session variables")
        }
        variableReader = reader
        return joiner
    }
}

extension ReplSession {
    /// The value of the session variable `name` (a top-level `local` of an
    /// earlier entry), or nil when there is none.
    func sessionVariable(_ name: String) -> LuaValue? {
        guard variables[name] != nil, let variableReader else { return nil }
        return try? lua.call(variableReader, name).first
    }
}
