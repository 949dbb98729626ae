/// A response's status line and header fields (RFC 9112 §4, §5).
package struct HTTPHead: Sendable {
    package var major: Int
    package var minor: Int
    package var status: Int
    package var reason: String
    package var headers: HTTPHeaders

    /// Parses a head without its final empty line. Lines may end in CRLF or
    /// a bare LF (RFC 9112 allows a recipient to accept both); a folded line
    /// continues the previous field.
    package static func parse(_ bytes: ArraySlice<UInt8>) -> HTTPHead? {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        guard !lines.isEmpty else { return nil }
        let statusLine = lines.removeFirst()
        // "HTTP/1.1 200 OK": the version, a space, three digits, then an optional reason.
        guard statusLine.count >= 12, statusLine.starts(with: Array("HTTP/".utf8)) else { return nil }
        let base = statusLine.startIndex
        let digits = [5, 7, 9, 10, 11].map { statusLine[base + $0] }
        guard statusLine[base + 6] == 0x2E, statusLine[base + 8] == 0x20, digits.allSatisfy({ (0x30...0x39).contains($0) })
        else { return nil }
        let value = digits.map { Int($0 - 0x30) }
        var head = HTTPHead(
            major: value[0], minor: value[1], status: value[2] * 100 + value[3] * 10 + value[4],
            reason: String(decoding: statusLine.dropFirst(13), as: UTF8.self), headers: HTTPHeaders())
        var fields: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            if line.first == 0x20 || line.first == 0x09, !fields.isEmpty {
                fields[fields.count - 1].value += " " + String(decoding: line.trimmingSpaces(), as: UTF8.self)
                continue
            }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
                !line[..<colon].contains(where: { $0 == 0x20 || $0 == 0x09 })
            else { return nil }
            fields.append(
                (String(decoding: line[..<colon], as: UTF8.self), String(decoding: line[(colon + 1)...].trimmingSpaces(), as: UTF8.self)))
        }
        head.headers = HTTPHeaders(fields)
        return head
    }

    /// Whether the server keeps the connection open after this response.
    package var keepsAlive: Bool {
        if headers.has(token: "close", in: "Connection") { return false }
        return major > 1 || (major == 1 && minor >= 1) || headers.has(token: "keep-alive", in: "Connection")
    }
}

extension ArraySlice<UInt8> {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    fileprivate func trimmingSpaces() -> ArraySlice<UInt8> {
        guard let first = firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return [] }
        return self[first...lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!]
    }
}
