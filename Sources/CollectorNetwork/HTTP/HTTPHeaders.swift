/// Header fields in the order they were given; names compare without regard to ASCII case.
package struct HTTPHeaders: Sendable, Sequence {
    package private(set) var fields: [(name: String, value: String)]

    package init(_ fields: [(name: String, value: String)] = []) { self.fields = fields }

    /// Every value of `name` joined with ", " (how RFC 9110 combines a repeated field), or nil.
    package subscript(name: String) -> String? {
        var found: String?
        for field in fields where Self.same(field.name, name) {
            found = found.map { "\($0), \(field.value)" } ?? field.value
        }
        return found
    }

    package func contains(_ name: String) -> Bool { fields.contains { Self.same($0.name, name) } }

    package mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Replaces every value of `name` with `value`.
    package mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    package mutating func remove(_ name: String) { fields.removeAll { Self.same($0.name, name) } }

    /// Whether the comma-separated list in `name` has `token` (as `Connection: close`).
    package func has(token: String, in name: String) -> Bool {
        guard let value = self[name] else { return false }
        return value.split(separator: ",").contains { Self.same($0.trimmingASCIISpaces(), token) }
    }

    package func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// ASCII case-insensitive equality, without building lowercased copies.
    static func same<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        return zip(a.utf8, b.utf8).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A)
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingASCIISpaces() -> Substring {
        let utf8 = Substring(self).utf8
        guard let first = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return Substring(utf8[first...last])
    }
}
