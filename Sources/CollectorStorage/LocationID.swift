/// Location ids the SQL backends generate on the client: random (version 4)
/// UUIDs in lower-case text.
///
/// Generated before the insert, so a batch retried after a lost commit
/// acknowledgement carries the same ids and the database can refuse the
/// duplicates (`ON CONFLICT DO NOTHING`). Made from two random 64-bit words
/// straight into 36 bytes of text: no Foundation object per row.
package enum LocationID {
    package static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)  // variant 10
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ word: UInt64, nibbles: ClosedRange<Int>) {
                for nibble in nibbles.reversed() {
                    if position == 8 || position == 13 || position == 18 || position == 23 {
                        buffer[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    buffer[position] = hex.utf8Start[Int((word >> (UInt64(nibble) * 4)) & 0xF)]
                    position += 1
                }
            }
            put(high, nibbles: 0...15)
            put(low, nibbles: 0...15)
            return position
        }
    }

    /// Whether `text` has a UUID's form (8-4-4-4-12 hex digits), so it can
    /// be compared with a `uuid` column without a server error.
    package static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                let isHex = (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
                guard isHex else { return false }
            }
        }
        return true
    }
}
