import LuaRuntime

/// The evaluator behind `collector repl`, apart from any terminal: it takes
/// lines and answers what to show, the way Lua's own interpreter does.
///
/// A first line is tried as `return <line>` (so `1 + 1` prints 2); if that
/// does not compile it runs as a statement. Input whose syntax error is at
/// `<eof>` is incomplete: the session keeps it and asks for another line.
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
    private var pending: [String] = []

    public init(lua: LuaState) {
        self.lua = lua
    }

    /// Whether earlier lines wait for the rest of a statement.
    public var isContinuing: Bool { !pending.isEmpty }

    /// Drops a half-typed statement (Ctrl-C at a continuation prompt).
    public func discardPending() { pending.removeAll() }

    public func submit(_ line: String) -> Outcome {
        pending.append(line)
        let source = pending.joined(separator: "\n")
        let name = "=stdin"
        if pending.count == 1, let expression = try? lua.load("return " + source, name: name) {
            pending.removeAll()
            return run(expression)
        }
        do {
            let chunk = try lua.load(source, name: name)
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
