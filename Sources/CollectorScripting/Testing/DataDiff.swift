import CollectorValues
import LuaRuntime

/// How a record a test got differs from the one it expected, field by field.
///
/// Types count: `1` is not `1.0`, `null` is not `nil` (a missing field), a
/// string is not a number. The one leniency: an empty table written in Lua
/// (`{}`) matches an empty array as well as an empty object, because Lua
/// cannot tell them apart when it is written that way.
struct DataDiff {
    private let lua: LuaState
    private let printer: ValuePrinter

    init(lua: LuaState) {
        self.lua = lua
        var printer = ValuePrinter()
        printer.lineWidth = .max  // one line per difference
        printer.maxDepth = 3
        printer.maxEntries = 8
        printer.maxStringLength = 200
        self.printer = printer
    }

    /// One line per difference (`output.value: expected 104.0 (float), got 104 (integer)`),
    /// each starting with its path; none when the values are equal. `nil` stands for Lua's nil.
    func differences(expected: DataValue?, got: DataValue?, path: String) -> [String] {
        let prefix = path.isEmpty ? "" : "\(path): "
        switch (expected, got) {
        case (nil, nil):
            return []
        case (let expected?, nil):
            return ["\(prefix)expected \(describe(expected)), got nil"]
        case (nil, let got?):
            return ["\(prefix)expected nil, got \(describe(got))"]
        case (.array(let e)?, .object(let g)?) where e.isEmpty && g.isEmpty:
            return []
        case (.object(let e)?, .array(let g)?) where e.isEmpty && g.isEmpty:
            return []
        case (.array(let expected)?, .array(let got)?):
            var lines: [String] = []
            for index in 0..<max(expected.count, got.count) {
                let item = "\(path)[\(index + 1)]"
                if index >= got.count {
                    lines.append("\(item): missing (expected \(describe(expected[index])))")
                } else if index >= expected.count {
                    lines.append("\(item): unexpected (got \(describe(got[index])))")
                } else {
                    lines += differences(expected: expected[index], got: got[index], path: item)
                }
            }
            if expected.count != got.count {
                lines.insert("\(prefix)expected \(expected.count) element\(expected.count == 1 ? "" : "s"), got \(got.count)", at: 0)
            }
            return lines
        case (.object(let expected)?, .object(let got)?):
            var lines: [String] = []
            // Sorted, so that the same difference always reads the same (Lua tables have no order).
            for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
                let field = Self.field(path, key)
                if let other = got[key] {
                    lines += differences(expected: value, got: other, path: field)
                } else {
                    lines.append("\(field): missing (expected \(describe(value)))")
                }
            }
            for (key, value) in got.sorted(by: { $0.key < $1.key }) where expected[key] == nil {
                lines.append("\(Self.field(path, key)): unexpected (got \(describe(value)))")
            }
            return lines
        case (let expected?, let got?):
            if expected == got { return [] }
            if expected.typeName == got.typeName {
                return ["\(prefix)expected \(describe(expected)), got \(describe(got))"]
            }
            return ["\(prefix)expected \(describe(expected)) (\(expected.typeName)), got \(describe(got)) (\(got.typeName))"]
        }
    }

    /// The value as Lua would write it (`104.0`, `"F"`, `{ a = 1 }`, `null`), on one line.
    func describe(_ value: DataValue?) -> String {
        guard let value else { return "nil" }
        guard let pushed = try? lua.table(value) else { return value.typeName }
        return printer.format(pushed, in: lua)
    }

    /// `path.key`, or `path["odd key"]` for a key that is not a Lua name.
    private static func field(_ path: String, _ key: String) -> String {
        let isName = key.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
            && key.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        if isName { return path.isEmpty ? key : "\(path).\(key)" }
        let quoted = key.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\(path)[\"\(quoted)\"]"
    }
}
