/// The head of an HTTP/1.x request: what the server needs of it.
struct HTTPRequestHead: Equatable {
    var method: String
    /// The path without its query.
    var path: String
    /// `HTTP/1.1` unless the request said `HTTP/1.0`.
    var isHTTP10: Bool
    /// Whether the client wants the connection kept after the response.
    var keepAlive: Bool
    /// A request body (a length above zero, or any transfer coding): not read,
    /// so the connection is closed after the response.
    var hasBody: Bool

    /// Why a head could not be read; each becomes a response and the connection closes.
    enum Failure: Error, Equatable {
        case badRequest(String)
        case versionNotSupported
    }

    /// Parses the bytes before the blank line (the `\r\n\r\n` excluded).
    static func parse(_ bytes: ArraySlice<UInt8>) throws(Failure) -> HTTPRequestHead {
        // Header bytes outside ASCII are not valid in the fields the server reads.
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .badRequest("the request is not text") }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        guard let requestLine = lines.popFirst() else { throw .badRequest("no request line") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenCharacter) else {
            throw .badRequest("malformed request line")
        }
        guard parts[1].hasPrefix("/"), !parts[1].contains(where: { $0.isWhitespace || !$0.isASCII }) else {
            throw .badRequest("the target must be a path")
        }
        let version = parts[2]
        guard version.hasPrefix("HTTP/"), version.count == 8 else { throw .badRequest("malformed HTTP version") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            guard version.dropFirst(5).enumerated().allSatisfy({ $0.offset == 1 ? $0.element == "." : $0.element.isNumber })
            else { throw .badRequest("malformed HTTP version") }
            throw .versionNotSupported
        }
        let isHTTP10 = version == "HTTP/1.0"
        var fields: [String: [String]] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw .badRequest("malformed header line") }
            let name = line[..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenCharacter) else { throw .badRequest("malformed header name") }
            let value = line[line.index(after: colon)...].trimmingSpaces
            fields[name.lowercased(), default: []].append(String(value))
        }
        if !isHTTP10 && fields["host"]?.count != 1 { throw .badRequest("an HTTP/1.1 request needs one Host header") }
        let lengths = Set(fields["content-length"] ?? [])
        guard lengths.count <= 1 else { throw .badRequest("conflicting Content-Length headers") }
        var length = 0
        if let text = lengths.first {
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else {
                throw .badRequest("invalid Content-Length")
            }
            length = value
        }
        let connection = (fields["connection"] ?? []).flatMap { $0.lowercased().split(separator: ",").map(\.trimmingSpaces) }
        let keepAlive = isHTTP10 ? connection.contains("keep-alive") : !connection.contains("close")
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return HTTPRequestHead(
            method: String(parts[0]), path: String(path), isHTTP10: isHTTP10, keepAlive: keepAlive,
            hasBody: length > 0 || fields["transfer-encoding"] != nil)
    }

    /// RFC 9110's `tchar`.
    private static func isTokenCharacter(_ c: Character) -> Bool {
        guard c.isASCII, let byte = c.asciiValue, byte > 32, byte < 127 else { return false }
        return !"\"(),/:;<=>?@[\\]{}".contains(c)
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return s
    }
}
