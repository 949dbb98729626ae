/// Sizes in messages, as options spell them (`1MB`, `64KB`, `1500 bytes`).
enum ByteCount {
    static func text(_ bytes: Int) -> String {
        for (suffix, factor) in [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] where bytes >= factor {
            return bytes % factor == 0 ? "\(bytes / factor)\(suffix)" : "\(bytes) bytes"
        }
        return "\(bytes) bytes"
    }
}
