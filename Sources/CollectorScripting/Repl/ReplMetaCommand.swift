import Foundation
import LuaRuntime

/// The REPL's own commands (lines starting with `:`).
public enum ReplMetaCommand: Equatable {
    case help
    case load(path: String)
    /// Runs again the file last loaded (`:load`, or the script the REPL started with).
    case reload
    case doc(name: String)
    case quit
    case unknown(String)

    /// Parses a line that starts with `:`; nil for ordinary Lua input.
    public init?(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        // A bare `exit` or `quit` leaves, as in Python's and Node's REPLs (as Lua, neither is a statement).
        if trimmed == "exit" || trimmed == "quit" {
            self = .quit
            return
        }
        guard trimmed.hasPrefix(":") else { return nil }
        let words = trimmed.dropFirst().split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        switch words.first ?? "" {
        case "help", "h", "?": self = .help
        case "quit", "q", "exit": self = .quit
        case "reload", "r": self = .reload
        case "doc", "d":
            guard words.count == 2 else {
                self = .unknown(":doc needs a name: :doc source.file (or :doc pipeline, :doc json)")
                return
            }
            self = .doc(name: words[1].trimmingCharacters(in: .whitespaces))
        case "load", "l":
            guard words.count == 2 else {
                self = .unknown(":load needs a file: :load FILE.lua")
                return
            }
            switch ReplPath.parse(words[1]) {
            case .success(let path): self = .load(path: path)
            case .failure(let error): self = .unknown(":load: \(error) (:load FILE.lua, or :load \"my file.lua\")")
            }
        default: self = .unknown("unknown command \(trimmed) (:help lists the commands)")
        }
    }

    public static let helpText = """
        Type Lua: an expression prints its value (`1 + 1`, or `=1 + 1`), a statement runs (`x = 5`).
        An unfinished statement continues on the next line. A top-level `local` stays
        for the next lines; `_` is the last result.
        Commands:
          :help          this help
          :load FILE     run a Lua file in this session (its globals stay);
                         "my file.lua" or 'my file.lua' quoted, ~/ for the home directory
          :reload        run the last loaded file again (after editing it)
          :doc NAME      the reference of NAME (source.http, p:tap, json, metrics ...)
          :quit          leave (or exit, quit, Ctrl-D)
        Ctrl-C stops running Lua, or clears the line being typed.
        The engine is here: p = pipeline "x" { ... } then p:start(), p:stats(),
        p:tap("output", 5), p:replace(1, processor.file "new.lua"), p:stop().
        """
}

extension ReplSession {
    /// Runs a Lua file in the session, as `dofile` would, with its path in messages.
    public func load(file path: String) -> Outcome {
        var source: [UInt8]
        do {
            // Bytes, as `dofile` reads them: a string literal may hold some that are not UTF-8.
            source = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            return .failed(LuaError(.runtime, "cannot read \(path): \(error.localizedDescription)"))
        }
        if source.first == UInt8(ascii: "#") { source = Array("--".utf8) + source }
        do {
            let chunk = try lua.load(bytes: source, name: "@\(path)")
            return .values(try lua.call(chunk))
        } catch {
            return .failed(error)
        }
    }
}
