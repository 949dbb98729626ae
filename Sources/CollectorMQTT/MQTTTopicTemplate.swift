import CollectorValues

/// A topic to publish to, with `%{field}` parts taken from each record
/// (`out/%{site}`, `%{meta.kind}/readings` for a nested field).
public struct MQTTTopicTemplate: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        case text(String)
        case field([String])
    }

    let parts: [Part]
    public let text: String

    /// Parses the template; the error says what is wrong in it.
    public init(_ text: String) throws(MQTTTopicError) {
        self.text = text
        guard !text.isEmpty else { throw MQTTTopicError("the topic is empty") }
        var parts: [Part] = []
        var rest = Substring(text)
        while let start = rest.range(of: "%{") {
            if start.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<start.lowerBound]))) }
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw MQTTTopicError("'%{' without its '}' in the topic \"\(text)\"")
            }
            let name = rest[start.upperBound..<end]
            let path = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !name.isEmpty, !path.contains(where: \.isEmpty) else {
                throw MQTTTopicError("'%{\(name)}' in the topic \"\(text)\" does not name a field")
            }
            parts.append(.field(path))
            rest = rest[rest.index(after: end)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        for case .text(let literal) in parts where literal.contains("+") || literal.contains("#") {
            throw MQTTTopicError("the topic \"\(text)\" has a wildcard ('+' or '#'); one can publish only to a plain topic")
        }
        self.parts = parts
    }

    /// Whether the topic is the same for every record.
    public var isFixed: Bool { !parts.contains { if case .field = $0 { true } else { false } } }

    /// The topic for one record.
    public func topic(for record: DataValue) throws(MQTTTopicError) -> String {
        var topic = ""
        for part in parts {
            switch part {
            case .text(let literal):
                topic += literal
            case .field(let path):
                let name = path.joined(separator: ".")
                var value: DataValue? = record
                for key in path {
                    guard case .object(let object)? = value else {
                        value = nil
                        break
                    }
                    value = object[key]
                }
                let piece: String
                switch value {
                case .string(let text)?: piece = text
                case .integer(let number)?: piece = String(number)
                case .bool(let flag)?: piece = flag ? "true" : "false"
                case nil, .null?:
                    throw MQTTTopicError("the record has no field '\(name)' for the topic \"\(text)\"")
                case let other?:
                    throw MQTTTopicError(
                        "the field '\(name)' for the topic \"\(text)\" is a value of type \(other.typeDescription), not a string, integer or boolean")
                }
                if piece.isEmpty || piece.contains("+") || piece.contains("#") || piece.utf8.contains(0) {
                    throw MQTTTopicError(
                        "the field '\(name)' (\"\(piece.prefix(80))\") cannot be part of a topic: it is empty or has '+', '#' or a NUL")
                }
                topic += piece
            }
        }
        guard topic.utf8.count <= 65535 else { throw MQTTTopicError("the topic is longer than 65535 bytes") }
        return topic
    }
}

/// What is wrong with a topic template, or with a record's topic.
public struct MQTTTopicError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
