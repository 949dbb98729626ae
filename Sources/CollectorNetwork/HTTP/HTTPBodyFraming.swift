/// How a response's body is delimited (RFC 9112 §6.3), and how much of it is left.
package enum HTTPBodyFraming {
    /// No body: HEAD, 1xx, 204, 304, or a length of 0.
    case none
    /// `Content-Length`: this many bytes are left.
    case length(Int)
    case chunked(ChunkedDecoder)
    /// Neither: the body runs until the server closes (the connection cannot be reused).
    case untilClose

    package init(head: HTTPHead, requestMethod: String) throws(NetworkError) {
        if requestMethod == "HEAD" || (100...199).contains(head.status) || head.status == 204 || head.status == 304 {
            self = .none
            return
        }
        if let codings = head.headers["Transfer-Encoding"] {
            // Chunked must be the last coding; otherwise only the close ends the body.
            let last = codings.split(separator: ",").last.map { $0.trimmingASCIISpaces() } ?? ""
            self = HTTPHeaders.same(last, "chunked") ? .chunked(ChunkedDecoder()) : .untilClose
            return
        }
        if let value = head.headers["Content-Length"] {
            // Repeated fields must agree ("5, 5" is one length; "5, 6" is an attack or a bug).
            let lengths = Set(value.split(separator: ",").map { $0.trimmingASCIISpaces() })
            guard lengths.count == 1, let text = lengths.first, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let length = Int(text)
            else { throw NetworkError(.badResponse, "invalid Content-Length '\(value)'") }
            self = length == 0 ? .none : .length(length)
            return
        }
        self = .untilClose
    }
}

/// Decodes a chunked body (RFC 9112 §7.1) incrementally, from whatever
/// pieces the network gives: sizes (extensions ignored), data, trailers.
package struct ChunkedDecoder {
    private enum State {
        case size
        case data(Int)
        /// The CRLF after a chunk's data.
        case dataEnd
        case trailers
        case done
    }

    private var state = State.size
    /// A size or trailer line not complete yet.
    private var line: [UInt8] = []
    private static let maxLine = 8 << 10

    package var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Decodes from `input`, appending body bytes to `body`; returns how many
    /// bytes of `input` it used (all of them, unless the body ended before).
    package mutating func decode(_ input: UnsafeRawBufferPointer, into body: inout [UInt8]) throws(NetworkError) -> Int {
        var index = 0
        while index < input.count {
            switch state {
            case .done:
                return index
            case .data(let left):
                let take = min(left, input.count - index)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<(index + take)]))
                index += take
                state = take == left ? .dataEnd : .data(left - take)
            case .size, .dataEnd, .trailers:
                let byte = input[index]
                index += 1
                guard byte == 0x0A else {
                    guard line.count < Self.maxLine else { throw NetworkError(.badResponse, "chunked body: a line is too long") }
                    line.append(byte)
                    continue
                }
                if line.last == 0x0D { line.removeLast() }
                try endOfLine()
                line.removeAll(keepingCapacity: true)
            }
        }
        return index
    }

    private mutating func endOfLine() throws(NetworkError) {
        switch state {
        case .size:
            let digits = line.prefix { $0 != 0x3B && $0 != 0x20 && $0 != 0x09 }  // before extensions
            let isHex = digits.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0 & 0xDF) }
            guard !digits.isEmpty, digits.count <= 15, isHex, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16)
            else { throw NetworkError(.badResponse, "chunked body: invalid chunk size") }
            state = size == 0 ? .trailers : .data(size)
        case .dataEnd:
            guard line.isEmpty else { throw NetworkError(.badResponse, "chunked body: no line end after a chunk") }
            state = .size
        case .trailers:
            if line.isEmpty { state = .done }
        case .data, .done:
            break
        }
    }
}
