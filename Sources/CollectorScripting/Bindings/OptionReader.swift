import Foundation
import CollectorValues
import LuaRuntime

/// Reads the options table of a script function (`source.http{ ... }`),
/// checking names and types: an unknown option is an error that names it
/// (with a "did you mean" suggestion), a mistyped one says what was expected.
struct OptionReader {
    let function: String
    private let lua: LuaState
    private var values: [String: LuaValue] = [:]

    /// - Parameters:
    ///   - table: the options, or `nil` for none.
    ///   - allowed: every option the function knows.
    init(_ function: String, table: LuaTable?, allowed: [String], in lua: LuaState) throws {
        self.function = function
        self.lua = lua
        guard let table else { return }
        for (key, value) in try lua.entries(of: table) {
            guard case .string(let name) = key else {
                throw LuaCallError("\(function): options are named (name = value), got a \(key.typeDescription) key")
            }
            guard allowed.contains(name) else {
                var message = "\(function): unknown option '\(name)'"
                if let suggestion = Suggestion.closest(to: name, in: allowed) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                message += "; options are: " + allowed.sorted().joined(separator: ", ")
                throw LuaCallError(message)
            }
            values[name] = value
        }
    }

    func has(_ name: String) -> Bool { values[name] != nil }

    func value(_ name: String) -> LuaValue? { values[name] }

    private func wrongType(_ name: String, _ expected: String, _ got: LuaValue) -> LuaCallError {
        LuaCallError("\(function): option '\(name)' must be \(expected), got \(got.typeDescription)")
    }

    func string(_ name: String) throws -> String? {
        guard let value = values[name] else { return nil }
        guard case .string(let s) = value else { throw wrongType(name, "a string", value) }
        return s
    }

    func requiredString(_ name: String) throws -> String {
        guard let s = try string(name) else { throw LuaCallError("\(function): option '\(name)' is required") }
        return s
    }

    /// One of `choices`.
    func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let s = try string(name) else { return nil }
        guard choices.contains(s) else {
            throw LuaCallError(
                "\(function): option '\(name)' must be one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ")
                    + ", got \"\(s)\"")
        }
        return s
    }

    func integer(_ name: String) throws -> Int? {
        guard let value = values[name] else { return nil }
        switch value {
        case .integer(let i): return Int(i)
        case .number(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: throw wrongType(name, "an integer", value)
        }
    }

    func number(_ name: String) throws -> Double? {
        guard let value = values[name] else { return nil }
        guard let d = value.numberValue else { throw wrongType(name, "a number", value) }
        return d
    }

    func boolean(_ name: String) throws -> Bool? {
        guard let value = values[name] else { return nil }
        guard case .boolean(let b) = value else { throw wrongType(name, "a boolean", value) }
        return b
    }

    /// `"250ms"`, `"10s"`, `"1m"`, `"1h"` or a number of seconds.
    func duration(_ name: String) throws -> Duration? {
        guard let value = values[name] else { return nil }
        if let duration = Units.duration(value) { return duration }
        let expected = "a duration (\"250ms\", \"10s\", \"1m\", \"1h\" or seconds)"
        if case .string(let text) = value {
            throw LuaCallError("\(function): option '\(name)' must be \(expected), got \"\(text)\"")
        }
        throw wrongType(name, expected, value)
    }

    /// `"64KB"`, `"5MB"`, `"1GB"` or a number of bytes.
    func size(_ name: String) throws -> Int? {
        guard let value = values[name] else { return nil }
        let expected = "a size (\"64KB\", \"5MB\", \"1GB\" or bytes)"
        switch value {
        case .integer(let i) where i >= 0: return Int(i)
        case .string(let text):
            guard let size = Units.size(text) else {
                throw LuaCallError("\(function): option '\(name)' must be \(expected), got \"\(text)\"")
            }
            return size
        default:
            throw wrongType(name, expected, value)
        }
    }

    /// A list of strings (`{ "a", "b" }`).
    func strings(_ name: String) throws -> [String]? {
        guard let value = values[name] else { return nil }
        guard case .table = value, case .array(let items) = try lua.data(value, root: name) else {
            throw wrongType(name, "a list of strings", value)
        }
        return try items.map { item in
            guard case .string(let s) = item else {
                throw LuaCallError("\(function): option '\(name)' must be a list of strings, got a \(item.typeDescription) in it")
            }
            return s
        }
    }

    /// A table of string values by name (`{ Accept = "text/plain" }`).
    func stringMap(_ name: String) throws -> [String: String]? {
        guard let value = values[name] else { return nil }
        guard case .table = value else { throw wrongType(name, "a table of strings", value) }
        let data = try lua.data(value, root: name)
        if case .array(let items) = data, items.isEmpty { return [:] }
        guard case .object(let object) = data else { throw wrongType(name, "a table of strings by name", value) }
        var map: [String: String] = [:]
        for (key, item) in object {
            guard case .string(let s) = item else {
                throw LuaCallError("\(function): option '\(name).\(key)' must be a string, got \(item.typeDescription)")
            }
            map[key] = s
        }
        return map
    }

    /// The table as data (for filters and other free-form values).
    func data(_ name: String) throws -> DataValue? {
        guard let value = values[name] else { return nil }
        return try lua.data(value, root: name)
    }
}

/// Duration and size strings.
enum Units {
    static func duration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, scale) in [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0)] {
            guard trimmed.hasSuffix(suffix) else { continue }
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            return Double(number).flatMap { milliseconds(($0 * scale).rounded()) }
        }
        return Double(trimmed).flatMap { milliseconds(($0 * 1000).rounded()) }
    }

    /// A duration string, or a number of seconds; nil for anything else,
    /// and for a negative duration.
    static func duration(_ value: LuaValue) -> Duration? {
        switch value {
        case .integer, .number: return value.numberValue.flatMap { milliseconds(($0 * 1000).rounded()) }
        case .string(let text): return duration(text)
        default: return nil
        }
    }

    /// Whole milliseconds that a `Duration` can hold (nil for a negative,
    /// infinite or far too large number, which would trap in the conversion).
    private static func milliseconds(_ value: Double) -> Duration? {
        guard value >= 0, value < 9.2e18 else { return nil }
        return .milliseconds(Int64(value))
    }

    static func size(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        for (suffix, factor) in [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("B", 1)] {
            guard trimmed.hasSuffix(suffix) else { continue }
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0, value.isFinite else { return nil }
            return Int(value * Double(factor))
        }
        return Int(trimmed).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func describe(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 3_600_000 == 0, ms > 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0, ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

/// "Did you mean" suggestions by edit distance.
enum Suggestion {
    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, word.count / 3) ? best.0 : nil
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
