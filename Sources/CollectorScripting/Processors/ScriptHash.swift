/// A short, stable fingerprint of a processor's source, so a dead letter
/// says which version of the script failed (FNV-1a, 64 bits).
enum ScriptHash {
    static func of(_ source: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in source.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
