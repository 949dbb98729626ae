import Foundation

/// What `env(...)` reads: the process environment, under values given on
/// the command line (`--set KEY=VALUE`) or in an env file (`--env-file`).
/// Precedence: `--set`, then the process environment, then the file.
public struct ScriptEnvironment: Sendable {
    public var overrides: [String: String]
    public var fileValues: [String: String]
    public var process: [String: String]

    public init(
        overrides: [String: String] = [:], fileValues: [String: String] = [:],
        process: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.overrides = overrides
        self.fileValues = fileValues
        self.process = process
    }

    public subscript(name: String) -> String? {
        overrides[name] ?? process[name] ?? fileValues[name]
    }

    /// A problem in an env file, with where it is.
    public struct FileError: Error, CustomStringConvertible {
        public var path: String
        public var line: Int
        public var message: String
        public var description: String { "\(path):\(line): \(message)" }
    }

    /// Reads `KEY=VALUE` lines: blank lines and `#` comments are skipped, an
    /// `export ` prefix is allowed, values may be quoted (`"..."` with `\n`,
    /// `\"` and `\\` escapes, or `'...'` taken as is); unquoted values end at
    /// ` #`. Keys are letters, digits and `_`, not starting with a digit.
    public static func parseEnvFile(_ text: String, path: String) throws(FileError) -> [String: String] {
        var values: [String: String] = [:]
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                throw FileError(path: path, line: lineNumber, message: "expected KEY=VALUE, got '\(line.prefix(40))'")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard isValidName(key) else {
                throw FileError(path: path, line: lineNumber, message: "'\(key)' is not a valid variable name")
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let quote = value.first, quote == "\"" || quote == "'" {
                guard let (inner, rest) = quoted(value, quote: quote) else {
                    let kind = quote == "'" ? "single" : "double"
                    throw FileError(path: path, line: lineNumber, message: "unterminated \(kind)-quoted value")
                }
                let trailing = rest.trimmingCharacters(in: .whitespaces)
                guard trailing.isEmpty || trailing.hasPrefix("#") else {
                    throw FileError(path: path, line: lineNumber, message: "unexpected '\(trailing.prefix(20))' after the quoted value")
                }
                value = quote == "'" ? inner : unescape(inner)
            } else if let comment = value.range(of: " #") {
                value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            values[key] = value
        }
        return values
    }

    /// The text inside the quotes that open `value` (escapes kept, for
    /// double quotes) and what follows the closing quote; nil if it never closes.
    private static func quoted(_ value: String, quote: Character) -> (String, Substring)? {
        var escaping = false
        var index = value.index(after: value.startIndex)
        while index < value.endIndex {
            let character = value[index]
            if escaping {
                escaping = false
            } else if character == "\\" && quote == "\"" {
                escaping = true
            } else if character == quote {
                return (String(value[value.index(after: value.startIndex)..<index]), value[value.index(after: index)...])
            }
            index = value.index(after: index)
        }
        return nil
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    private static func unescape(_ text: String) -> String {
        var out = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}
