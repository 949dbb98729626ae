import Foundation
import CollectorValues
import LuaRuntime

/// Reads the options table of a script function (`source.http{ ... }`),
/// checking names and types: an unknown option is an error that names it
/// (with a "did you mean" suggestion), a mistyped one says what was expected.
package struct OptionReader {
    package let function: String
    package let lua: LuaState
    private var values: [String: LuaValue] = [:]

    /// - Parameters:
    ///   - table: the options, or `nil` for none.
    ///   - allowed: every option the function knows.
    package init(_ function: String, table: LuaTable?, allowed: [String], in lua: LuaState) throws {
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

    package func has(_ name: String) -> Bool { values[name] != nil }

    package func value(_ name: String) -> LuaValue? { values[name] }

    private func wrongType(_ name: String, _ expected: String, _ got: LuaValue) -> LuaCallError {
        LuaCallError("\(function): option '\(name)' must be \(expected), got \(got.typeDescription)")
    }

    package func string(_ name: String) throws -> String? {
        guard let value = values[name] else { return nil }
        guard case .string(let s) = value else { throw wrongType(name, "a string", value) }
        return s
    }

    package func requiredString(_ name: String) throws -> String {
        guard let s = try string(name) else { throw LuaCallError("\(function): option '\(name)' is required") }
        return s
    }

    /// One of `choices`.
    package func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let s = try string(name) else { return nil }
        guard choices.contains(s) else {
            throw LuaCallError(
                "\(function): option '\(name)' must be one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ")
                    + ", got \"\(s)\"")
        }
        return s
    }

    package func integer(_ name: String) throws -> Int? {
        guard let value = values[name] else { return nil }
        switch value {
        case .integer(let i): return Int(i)
        case .number(let d) where d.rounded() == d && abs(d) < 9e15: return Int(d)
        default: throw wrongType(name, "an integer", value)
        }
    }

    /// An integer within `range` (a count: a number of states, of records ...).
    package func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = try integer(name) else { return nil }
        guard range.contains(value) else { throw outOfRange(name, "an integer", range, got: "\(value)") }
        return value
    }

    private func outOfRange(_ name: String, _ kind: String, _ range: ClosedRange<Int>, got: String) -> LuaCallError {
        let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
        return LuaCallError("\(function): option '\(name)' must be \(kind) \(bounds), got \(got)")
    }

    package func number(_ name: String) throws -> Double? {
        guard let value = values[name] else { return nil }
        guard let d = value.numberValue else { throw wrongType(name, "a number", value) }
        return d
    }

    /// A number within `range` (a rate: records per second ...).
    package func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = try number(name) else { return nil }
        guard range.contains(value) else {
            throw LuaCallError("\(function): option '\(name)' must be a number from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    package func boolean(_ name: String) throws -> Bool? {
        guard let value = values[name] else { return nil }
        guard case .boolean(let b) = value else { throw wrongType(name, "a boolean", value) }
        return b
    }

    /// `"250ms"`, `"10s"`, `"1m"`, `"1h"` or a number of seconds, up to
    /// `Units.longestDuration`.
    package func duration(_ name: String) throws -> Duration? {
        guard let value = values[name] else { return nil }
        let got = if case .string(let text) = value { "\"\(text)\"" } else { "\(value.numberValue ?? 0)" }
        switch Units.parseDuration(value) {
        case .valid(let duration): return duration
        case .tooLong:
            throw LuaCallError(
                "\(function): option '\(name)' must be a duration of at most \(Units.describe(Units.longestDuration)), got \(got)")
        case .malformed:
            let expected = "a duration (\"250ms\", \"10s\", \"1m\", \"1h\" or seconds)"
            if case .string = value { throw LuaCallError("\(function): option '\(name)' must be \(expected), got \(got)") }
            throw wrongType(name, expected, value)
        }
    }

    /// A duration of at least `minimum`.
    package func duration(_ name: String, atLeast minimum: Duration) throws -> Duration? {
        guard let duration = try duration(name) else { return nil }
        guard duration >= minimum else {
            throw LuaCallError(
                "\(function): option '\(name)' must be a duration of at least \(Units.describe(minimum)), got \(Units.describe(duration))")
        }
        return duration
    }

    /// `"64KB"`, `"5MB"`, `"1GB"` or a number of bytes, up to what an
    /// integer holds (a larger one is an error, never a trap).
    package func size(_ name: String) throws -> Int? {
        guard let value = values[name] else { return nil }
        let expected = "a size (\"64KB\", \"5MB\", \"1GB\" or bytes)"
        switch value {
        case .integer(let i) where i >= 0: return Int(i)
        case .number(let d) where d >= 0 && d.rounded() == d:
            guard let size = Units.bytes(d) else { throw tooLarge(name, got: "\(d)") }
            return size
        case .string(let text):
            switch Units.parseSize(text) {
            case .valid(let size): return size
            case .tooLarge: throw tooLarge(name, got: "\"\(text)\"")
            case .malformed:
                throw LuaCallError("\(function): option '\(name)' must be \(expected), got \"\(text)\"")
            }
        default:
            throw wrongType(name, expected, value)
        }
    }

    /// A size within `range` bytes.
    package func size(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let size = try size(name) else { return nil }
        guard range.contains(size) else { throw outOfRange(name, "a size", range, got: "\(size) bytes") }
        return size
    }

    private func tooLarge(_ name: String, got: String) -> LuaCallError {
        LuaCallError("\(function): option '\(name)' must be a size of at most \(Int.max) bytes, got \(got)")
    }

    /// A list of strings (`{ "a", "b" }`).
    package func strings(_ name: String) throws -> [String]? {
        guard let value = values[name] else { return nil }
        guard case .table = value else { throw wrongType(name, "a list of strings", value) }
        let data = try lua.data(value, root: name)
        // `{}` is an empty list here, whatever Lua's empty table converts to.
        if case .object(let object) = data, object.isEmpty { return [] }
        guard case .array(let items) = data else {
            throw LuaCallError("\(function): option '\(name)' must be a list of strings, got a table with named keys")
        }
        return try items.map { item in
            guard case .string(let s) = item else {
                let kind = item.typeDescription
                let article = kind.first.map { "aeiou".contains($0) } == true ? "an" : "a"
                throw LuaCallError("\(function): option '\(name)' must be a list of strings, got \(article) \(kind) in it")
            }
            return s
        }
    }

    /// A table of string values by name (`{ Accept = "text/plain" }`).
    package func stringMap(_ name: String) throws -> [String: String]? {
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
    package func data(_ name: String) throws -> DataValue? {
        guard let value = values[name] else { return nil }
        return try lua.data(value, root: name)
    }
}

/// Duration and size strings.
package enum Units {
    /// The longest duration any option, timer or timeout may say: about 31
    /// years. Longer ones are errors: the engine turns durations into
    /// nanoseconds in 64 bits (and scales them, for jitter), where 1e15
    /// seconds would overflow and trap.
    package static let longestDuration = Duration.seconds(1_000_000_000)

    /// A duration string or a number of seconds: the duration, or why it is not one.
    package enum ParsedDuration: Equatable {
        case valid(Duration)
        case tooLong
        case malformed
    }

    package static func parseDuration(_ text: String) -> ParsedDuration {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, scale) in [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0)] {
            guard trimmed.hasSuffix(suffix) else { continue }
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            return Double(number).map { milliseconds(($0 * scale).rounded()) } ?? .malformed
        }
        return Double(trimmed).map { milliseconds(($0 * 1000).rounded()) } ?? .malformed
    }

    package static func parseDuration(_ value: LuaValue) -> ParsedDuration {
        switch value {
        case .integer, .number: return value.numberValue.map { milliseconds(($0 * 1000).rounded()) } ?? .malformed
        case .string(let text): return parseDuration(text)
        default: return .malformed
        }
    }

    package static func duration(_ text: String) -> Duration? {
        if case .valid(let duration) = parseDuration(text) { duration } else { nil }
    }

    /// A duration string, or a number of seconds; nil for anything else,
    /// for a negative duration and for one over `longestDuration`.
    package static func duration(_ value: LuaValue) -> Duration? {
        if case .valid(let duration) = parseDuration(value) { duration } else { nil }
    }

    /// Whole milliseconds up to `longestDuration` (a negative or NaN number
    /// is malformed; an infinite or larger one too long).
    private static func milliseconds(_ value: Double) -> ParsedDuration {
        guard value >= 0 else { return .malformed }
        guard value <= 1e12 else { return .tooLong }
        return .valid(.milliseconds(Int64(value)))
    }

    /// A size string: its bytes, or why it is not one.
    package enum ParsedSize: Equatable {
        case valid(Int)
        case tooLarge
        case malformed
    }

    package static func parseSize(_ text: String) -> ParsedSize {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        for (suffix, factor) in [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("B", 1)] {
            guard trimmed.hasSuffix(suffix) else { continue }
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0, !value.isNaN else { return .malformed }
            return bytes((value * Double(factor)).rounded(.down)).map(ParsedSize.valid) ?? .tooLarge
        }
        guard let value = Double(trimmed), value >= 0, value.rounded() == value else { return .malformed }
        return bytes(value).map(ParsedSize.valid) ?? .tooLarge
    }

    /// A whole, non-negative number of bytes as an `Int` (nil when it does
    /// not fit: `Int(_:)` would trap).
    package static func bytes(_ value: Double) -> Int? {
        guard value >= 0, value < 9.2e18 else { return nil }
        return Int(value)
    }

    package static func describe(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 3_600_000 == 0, ms > 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0, ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

/// "Did you mean" suggestions by edit distance.
package enum Suggestion {
    package static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, word.count / 3) ? best.0 : nil
    }

    package static func distance(_ a: String, _ b: String) -> Int {
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
