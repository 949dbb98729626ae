/// The client side of RFC 6455 framing (§5): decodes the server's frames
/// incrementally and enforces what a client must: no masked server frames,
/// no reserved bits or opcodes, control frames unfragmented and ≤ 125
/// bytes, continuation frames only inside a fragmented message, text
/// messages valid UTF-8, valid close codes, and a message size limit.
struct FrameDecoder {
    enum Output: Equatable {
        case text([UInt8])
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        /// A close frame: its code (`nil` when the frame had no body) and reason.
        case close(code: UInt16?, reason: String)
        /// The server broke the protocol: close with `code` (1002, 1007 or 1009).
        case violation(code: UInt16, reason: String)
    }

    let maxMessageSize: Int
    private var buffer: [UInt8] = []
    private var head = 0
    /// The opcode and bytes of a fragmented message in progress.
    private var fragmented: (opcode: UInt8, bytes: [UInt8])?
    private(set) var failed = false

    init(maxMessageSize: Int) { self.maxMessageSize = maxMessageSize }

    /// Bytes of a frame not yet complete (non-zero when the connection drops mid-frame).
    var partialBytes: Int { buffer.count - head + (fragmented?.bytes.count ?? 0) }

    mutating func feed(_ bytes: ArraySlice<UInt8>) -> [Output] {
        guard !failed else { return [] }
        if head > 0 {
            buffer.removeSubrange(0..<head)
            head = 0
        }
        buffer += bytes
        var outputs: [Output] = []
        while let output = nextFrame() {
            outputs.append(output)
            if case .violation = output {
                failed = true
                break
            }
        }
        return outputs
    }

    private mutating func nextFrame() -> Output? {
        let available = buffer.count - head
        guard available >= 2 else { return nil }
        let b0 = buffer[head]
        let b1 = buffer[head + 1]
        let fin = b0 & 0x80 != 0
        let opcode = b0 & 0x0F
        if b0 & 0x70 != 0 { return .violation(code: 1002, reason: "reserved bits set without an extension") }
        if b1 & 0x80 != 0 { return .violation(code: 1002, reason: "the server sent a masked frame") }
        var length = UInt64(b1 & 0x7F)
        var offset = 2
        if length == 126 {
            guard available >= 4 else { return nil }
            length = UInt64(buffer[head + 2]) << 8 | UInt64(buffer[head + 3])
            offset = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            length = (0..<8).reduce(0) { $0 << 8 | UInt64(buffer[head + 2 + $1]) }
            offset = 10
            if length >> 63 != 0 { return .violation(code: 1002, reason: "frame length with its top bit set") }
        }
        let isControl = opcode & 0x08 != 0
        if isControl {
            if !fin { return .violation(code: 1002, reason: "a fragmented control frame") }
            if length > 125 { return .violation(code: 1002, reason: "a control frame longer than 125 bytes") }
        }
        if length > UInt64(maxMessageSize) || (fragmented?.bytes.count ?? 0) + Int(clamping: length) > maxMessageSize {
            return .violation(code: 1009, reason: "message larger than \(maxMessageSize) bytes")
        }
        guard available >= offset + Int(length) else { return nil }
        let payload = Array(buffer[(head + offset)..<(head + offset + Int(length))])
        head += offset + Int(length)

        switch opcode {
        case 0x0:
            guard var message = fragmented else { return .violation(code: 1002, reason: "a continuation frame with no message to continue") }
            message.bytes += payload
            if !fin {
                fragmented = message
                return nextFrame()
            }
            fragmented = nil
            return complete(opcode: message.opcode, message.bytes)
        case 0x1, 0x2:
            if fragmented != nil { return .violation(code: 1002, reason: "a new message started inside a fragmented one") }
            if !fin {
                fragmented = (opcode, payload)
                return nextFrame()
            }
            return complete(opcode: opcode, payload)
        case 0x8:
            if payload.isEmpty { return .close(code: nil, reason: "") }
            if payload.count == 1 { return .violation(code: 1002, reason: "a close frame with a one-byte body") }
            let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
            guard Self.isValidCloseCode(code) else { return .violation(code: 1002, reason: "invalid close code \(code)") }
            let reasonBytes = Array(payload[2...])
            guard let reason = String(validating: reasonBytes, as: UTF8.self) else {
                return .violation(code: 1007, reason: "a close reason that is not UTF-8")
            }
            return .close(code: code, reason: reason)
        case 0x9: return .ping(payload)
        case 0xA: return .pong(payload)
        default: return .violation(code: 1002, reason: "reserved opcode \(opcode)")
        }
    }

    private func complete(opcode: UInt8, _ bytes: [UInt8]) -> Output {
        if opcode == 0x1 {
            guard String(validating: bytes, as: UTF8.self) != nil else {
                return .violation(code: 1007, reason: "a text message that is not valid UTF-8")
            }
            return .text(bytes)
        }
        return .binary(bytes)
    }

    /// RFC 6455 §7.4: codes a peer may send (1005, 1006 and 1015 are never sent).
    static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011: true
        case 3000...4999: true
        default: false
        }
    }
}

/// Client frames (§5.3: always masked, with a fresh key per frame).
enum FrameEncoder {
    static func frame(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x80 | opcode]
        let count = payload.count
        if count < 126 {
            out.append(0x80 | UInt8(count))
        } else if count <= 0xFFFF {
            out += [0x80 | 126, UInt8(count >> 8), UInt8(count & 0xFF)]
        } else {
            out.append(0x80 | 127)
            out += (0..<8).reversed().map { UInt8((UInt64(count) >> (UInt64($0) * 8)) & 0xFF) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        out += mask
        out.reserveCapacity(out.count + count)
        for (i, byte) in payload.enumerated() { out.append(byte ^ mask[i & 3]) }
        return out
    }

    static func close(code: UInt16, reason: String = "") -> [UInt8] {
        frame(opcode: 0x8, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8.prefix(123)))
    }
}
