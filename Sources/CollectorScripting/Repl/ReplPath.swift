import Foundation

/// The file argument of `:load`: quoted (`"my file.lua"`, `'my file.lua'`;
/// in double quotes `\"` and `\\` escape) or bare (the rest of the line), with
/// a leading `~` or `~/` standing for the home directory, as a shell has it.
enum ReplPath {
    /// The path, or why it is not one.
    static func parse(_ text: String, home: String? = ProcessInfo.processInfo.environment["HOME"]) -> Result<String, ReplPathError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var path: String
        if let quote = trimmed.first, quote == "\"" || quote == "'" {
            var inside = ""
            var closed = false
            var escaped = false
            var rest = trimmed.dropFirst()
            while let c = rest.first {
                rest = rest.dropFirst()
                if escaped {
                    inside.append(c)
                    escaped = false
                } else if c == "\\", quote == "\"", let next = rest.first, next == "\"" || next == "\\" {
                    escaped = true
                } else if c == quote {
                    closed = true
                    break
                } else {
                    inside.append(c)
                }
            }
            guard closed else { return .failure(ReplPathError("no closing \(quote) in \(trimmed)")) }
            guard rest.allSatisfy(\.isWhitespace) else {
                return .failure(ReplPathError("one file only; after \(quote)\(inside)\(quote) comes '\(rest.trimmingCharacters(in: .whitespaces))'"))
            }
            path = inside
        } else {
            path = trimmed
        }
        guard !path.isEmpty else { return .failure(ReplPathError("the file name is empty")) }
        if path == "~" || path.hasPrefix("~/") {
            guard let home, !home.isEmpty else { return .failure(ReplPathError("HOME is not set, so \(path) cannot be found")) }
            path = home + path.dropFirst()
        }
        return .success(path)
    }
}

/// Why a `:load` argument is not a path.
struct ReplPathError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
