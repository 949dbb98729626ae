import LuaRuntime

/// The evaluator behind `collector repl`, apart from any terminal: it takes
/// lines and answers what to show, the way Lua's own interpreter does.
///
/// Input is tried as `return <input>` (so `1 + 1` prints 2, and so does an
/// expression spread over lines); if that does not compile it runs as a
/// statement. Input whose syntax error is at `<eof>` is incomplete: the
/// session keeps it and asks for another line. Messages name an entry's
/// lines as `stdin:N:`, counted from the line number its first line is
/// submitted with (the line of piped input; 1 on a terminal, as `lua` does).
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
    /// Lines as bytes: Lua strings are bytes, and a line may hold some that are not UTF-8.
    private var pending: [[UInt8]] = []
    /// The input line the pending entry began on.
    private var firstLine = 1

    public init(lua: LuaState) {
        self.lua = lua
    }

    /// Whether earlier lines wait for the rest of a statement.
    public var isContinuing: Bool { !pending.isEmpty }

    /// Drops a half-typed statement (Ctrl-C at a continuation prompt).
    public func discardPending() { pending.removeAll() }

    /// The input line the pending entry began on (for a message about an unfinished one).
    public var pendingFirstLine: Int? { pending.isEmpty ? nil : firstLine }

    public func submit(_ line: String, lineNumber: Int = 1) -> Outcome {
        submit(bytes: Array(line.utf8), lineNumber: lineNumber)
    }

    /// Takes one line of input, byte for byte; `lineNumber` is where it is
    /// in the input, and counts only for the first line of an entry.
    public func submit(bytes line: [UInt8], lineNumber: Int = 1) -> Outcome {
        if pending.isEmpty { firstLine = max(1, lineNumber) }
        pending.append(line)
        // Empty lines before the entry make Lua count its lines from where it began in the input.
        let source = [UInt8](repeating: UInt8(ascii: "\n"), count: firstLine - 1)
            + Array(pending.joined(separator: [UInt8(ascii: "\n")]))
        let name = "=stdin"
        // Every time, not only for a first line: an expression over several lines prints too.
        if let expression = try? lua.load(bytes: Array("return ".utf8) + source, name: name) {
            pending.removeAll()
            return run(expression)
        }
        do {
            let chunk = try lua.load(bytes: source, name: name)
            pending.removeAll()
            return run(chunk)
        } catch where error.isIncompleteInput {
            return .incomplete
        } catch {
            pending.removeAll()
            return .failed(error)
        }
    }

    private func run(_ chunk: LuaFunction) -> Outcome {
        do {
            return .values(try lua.call(chunk))
        } catch {
            return .failed(error)
        }
    }
}
