import CollectorValues

/// A schema records are checked against: a subset of JSON Schema with its
/// keyword names — `type` (`object`, `array`, `string`, `number`,
/// `integer`, `boolean`, `null`, or a list of them), `required`,
/// `properties`, `additionalProperties` (false, or a schema),
/// `items`, `minItems`, `maxItems`, `minimum`, `maximum`,
/// `exclusiveMinimum`, `exclusiveMaximum`, `minLength`, `maxLength`,
/// `pattern` (a regular expression, searched in the string), `enum`,
/// `const`; `title` and `description` are notes. Types are the engine's:
/// `integer` is an integer value (not `1.0`), `number` an integer or a float.
public struct ValidationSchema: Sendable {
    private final class Node: Sendable {
        let types: [String]?
        let required: [String]
        let properties: [(String, Node)]
        let additional: Additional
        let items: Node?
        let minItems: Int?, maxItems: Int?
        let minimum: Double?, maximum: Double?, exclusiveMinimum: Double?, exclusiveMaximum: Double?
        let minLength: Int?, maxLength: Int?
        let pattern: (text: String, regex: Pattern)?
        let allowed: [DataValue]?
        let constant: DataValue?

        enum Additional: Sendable {
            case allowed
            case refused
            case schema(Node)
        }

        init(
            types: [String]?, required: [String], properties: [(String, Node)], additional: Additional, items: Node?,
            minItems: Int?, maxItems: Int?, minimum: Double?, maximum: Double?, exclusiveMinimum: Double?,
            exclusiveMaximum: Double?, minLength: Int?, maxLength: Int?, pattern: (text: String, regex: Pattern)?,
            allowed: [DataValue]?, constant: DataValue?
        ) {
            self.types = types
            self.required = required
            self.properties = properties
            self.additional = additional
            self.items = items
            self.minItems = minItems
            self.maxItems = maxItems
            self.minimum = minimum
            self.maximum = maximum
            self.exclusiveMinimum = exclusiveMinimum
            self.exclusiveMaximum = exclusiveMaximum
            self.minLength = minLength
            self.maxLength = maxLength
            self.pattern = pattern
            self.allowed = allowed
            self.constant = constant
        }
    }

    /// A compiled `pattern`.
    struct Pattern: @unchecked Sendable {
        // Regex is immutable once built; matching does not change it.
        let regex: Regex<AnyRegexOutput>
    }

    public static let keywords = [
        "type", "required", "properties", "additionalProperties", "items", "minItems", "maxItems", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "enum", "const", "title", "description",
    ]
    static let typeNames = ["object", "array", "string", "number", "integer", "boolean", "null"]

    private let root: Node

    /// A schema that is not one is an error naming where (`schema.properties.price.type: ...`).
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public init(_ value: DataValue) throws(Problem) {
        root = try Self.node(value, at: "schema")
    }

    // MARK: Reading the schema

    private static func node(_ value: DataValue, at path: String) throws(Problem) -> Node {
        guard let object = objectOrEmpty(value) else {
            throw Problem(message: "\(path): a schema is a table of keywords (type = \"object\", ...), got \(value.typeName)")
        }
        for (key, _) in object where !keywords.contains(key) {
            var message = "\(path): unknown keyword '\(key)'"
            if let close = closest(key, in: keywords) { message += " (did you mean '\(close)'?)" }
            throw Problem(message: message + "; keywords are: " + keywords.joined(separator: ", "))
        }
        var types: [String]?
        if let type = object["type"] {
            let names: [DataValue] = type.arrayValue ?? [type]
            types = []
            for name in names {
                guard case .string(let text) = name, typeNames.contains(text) else {
                    throw Problem(message: "\(path).type: expected one of \(typeNames.joined(separator: ", ")) (or a list of them), got \(describe(name))")
                }
                types?.append(text)
            }
        }
        var required: [String] = []
        if let list = object["required"] {
            guard let items = list.arrayValue ?? (objectOrEmpty(list)?.isEmpty == true ? [] : nil) else {
                throw Problem(message: "\(path).required: expected a list of field names, got \(list.typeName)")
            }
            for item in items {
                guard case .string(let name) = item else {
                    throw Problem(message: "\(path).required: expected field names, got \(describe(item))")
                }
                required.append(name)
            }
        }
        var properties: [(String, Node)] = []
        if let value = object["properties"] {
            guard let fields = objectOrEmpty(value) else {
                throw Problem(message: "\(path).properties: expected a table of field = schema, got \(value.typeName)")
            }
            for (name, schema) in fields {
                properties.append((name, try node(schema, at: "\(path).properties.\(name)")))
            }
        }
        var additional = Node.Additional.allowed
        switch object["additionalProperties"] {
        case nil, .bool(true)?: break
        case .bool(false)?: additional = .refused
        case let value?: additional = .schema(try node(value, at: "\(path).additionalProperties"))
        }
        let items = try object["items"].map { value throws(Problem) in try node(value, at: "\(path).items") }
        var pattern: (text: String, regex: Pattern)?
        if let value = object["pattern"] {
            guard case .string(let text) = value else {
                throw Problem(message: "\(path).pattern: expected a regular expression (a string), got \(value.typeName)")
            }
            do {
                pattern = (text, Pattern(regex: try Regex(text)))
            } catch {
                throw Problem(message: "\(path).pattern: not a valid regular expression \(describe(value)): \(error)")
            }
        }
        var allowed: [DataValue]?
        if let value = object["enum"] {
            guard let list = value.arrayValue, !list.isEmpty else {
                throw Problem(message: "\(path).enum: expected a list of the allowed values, got \(describe(value))")
            }
            allowed = list
        }
        return Node(
            types: types, required: required, properties: properties, additional: additional, items: items,
            minItems: try count(object, "minItems", at: path), maxItems: try count(object, "maxItems", at: path),
            minimum: try number(object, "minimum", at: path), maximum: try number(object, "maximum", at: path),
            exclusiveMinimum: try number(object, "exclusiveMinimum", at: path),
            exclusiveMaximum: try number(object, "exclusiveMaximum", at: path),
            minLength: try count(object, "minLength", at: path), maxLength: try count(object, "maxLength", at: path),
            pattern: pattern, allowed: allowed, constant: object["const"])
    }

    private static func objectOrEmpty(_ value: DataValue) -> DataObject? {
        if let object = value.objectValue { return object }
        // An empty Lua table reads as an empty array.
        if value.arrayValue?.isEmpty == true { return DataObject() }
        return nil
    }

    private static func count(_ object: DataObject, _ key: String, at path: String) throws(Problem) -> Int? {
        guard let value = object[key] else { return nil }
        guard case .integer(let n) = value, n >= 0, n <= Int64(Int32.max) else {
            throw Problem(message: "\(path).\(key): expected a count (an integer, 0 or more), got \(describe(value))")
        }
        return Int(n)
    }

    private static func number(_ object: DataObject, _ key: String, at path: String) throws(Problem) -> Double? {
        switch object[key] {
        case nil: return nil
        case .integer(let n)?: return Double(n)
        case .double(let d)? where d.isFinite: return d
        case let value?: throw Problem(message: "\(path).\(key): expected a number, got \(describe(value))")
        }
    }

    private static func closest(_ word: String, in candidates: [String]) -> String? {
        let lower = word.lowercased()
        return candidates.first { $0.lowercased() == lower || $0.lowercased().replacingOccurrences(of: "_", with: "") == lower.replacingOccurrences(of: "_", with: "") }
            ?? candidates.min { distance(lower, $0.lowercased()) < distance(lower, $1.lowercased()) }
                .flatMap { distance(lower, $0.lowercased()) <= 2 ? $0 : nil }
    }

    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    static func describe(_ value: DataValue) -> String {
        (try? JSONWriter().string(value)).map { $0.count > 60 ? String($0.prefix(57)) + "..." : $0 } ?? value.typeName
    }

    // MARK: Checking

    /// What is wrong with `value`, each a message naming where
    /// (`$.items[2].price: expected number, got string`); at most `limit`.
    public func problems(of value: DataValue, limit: Int = 10) -> [String] {
        var found: [String] = []
        Self.check(value, against: root, at: "$", into: &found, limit: limit)
        return found
    }

    private static func kind(of value: DataValue) -> String {
        switch value {
        case .double: "number"
        case .bytes: "bytes"
        default: value.typeName
        }
    }

    private static func check(_ value: DataValue, against node: Node, at path: String, into found: inout [String], limit: Int) {
        guard found.count < limit else { return }
        func problem(_ text: String) { if found.count < limit { found.append("\(path): \(text)") } }
        if let types = node.types, !types.contains(where: { matches(value, $0) }) {
            problem("expected \(types.joined(separator: " or ")), got \(kind(of: value))")
            return
        }
        if let constant = node.constant, constant != value {
            problem("expected \(describe(constant)), got \(describe(value))")
        }
        if let allowed = node.allowed, !allowed.contains(value) {
            problem("expected one of \(allowed.map(describe).joined(separator: ", ")), got \(describe(value))")
        }
        switch value {
        case .integer, .double:
            let number: Double = if case .integer(let n) = value { Double(n) } else if case .double(let d) = value { d } else { 0 }
            if let minimum = node.minimum, number < minimum { problem("\(describe(value)) is below the minimum \(show(minimum))") }
            if let maximum = node.maximum, number > maximum { problem("\(describe(value)) is above the maximum \(show(maximum))") }
            if let bound = node.exclusiveMinimum, number <= bound { problem("\(describe(value)) is not above \(show(bound))") }
            if let bound = node.exclusiveMaximum, number >= bound { problem("\(describe(value)) is not below \(show(bound))") }
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minLength = node.minLength, length < minLength {
                problem("expected at least \(minLength) characters, got \(length)")
            }
            if let maxLength = node.maxLength, length > maxLength {
                problem("expected at most \(maxLength) characters, got \(length)")
            }
            if let pattern = node.pattern, (try? pattern.regex.regex.firstMatch(in: text)) == nil {
                problem("\(describe(value)) does not match the pattern \(describe(.string(pattern.text)))")
            }
        case .array(let items):
            if let minItems = node.minItems, items.count < minItems { problem("expected at least \(minItems) items, got \(items.count)") }
            if let maxItems = node.maxItems, items.count > maxItems { problem("expected at most \(maxItems) items, got \(items.count)") }
            if let itemNode = node.items {
                for (index, item) in items.enumerated() {
                    check(item, against: itemNode, at: "\(path)[\(index)]", into: &found, limit: limit)
                }
            }
        case .object(let object):
            for name in node.required where object[name] == nil { problem("missing required field \(quoted(name))") }
            for (name, child) in node.properties {
                if let item = object[name] { check(item, against: child, at: field(path, name), into: &found, limit: limit) }
            }
            switch node.additional {
            case .allowed: break
            case .refused:
                for (name, _) in object where !node.properties.contains(where: { $0.0 == name }) {
                    problem("unexpected field \(quoted(name))")
                }
            case .schema(let extra):
                for (name, item) in object where !node.properties.contains(where: { $0.0 == name }) {
                    check(item, against: extra, at: field(path, name), into: &found, limit: limit)
                }
            }
        default:
            break
        }
    }

    private static func matches(_ value: DataValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
            ("integer", .integer), ("number", .integer), ("number", .double):
            return true
        default:
            return false
        }
    }

    private static func show(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    private static func quoted(_ name: String) -> String { describe(.string(name)) }

    /// `$.name`, or `$["odd name"]` when the name is not an identifier.
    private static func field(_ path: String, _ name: String) -> String {
        let identifier = !name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
            && !(name.utf8.first! >= 0x30 && name.utf8.first! <= 0x39)
        return identifier ? "\(path).\(name)" : "\(path)[\(quoted(name))]"
    }
}
