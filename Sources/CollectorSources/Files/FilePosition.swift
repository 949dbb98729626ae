import CollectorValues
import Foundation

/// Where a followed file was read up to: which file (device, inode and a
/// fingerprint of its first bytes) and the byte offset just past the last
/// line handed out. Saved as a small JSON file, replaced atomically, so a
/// crash leaves the old or the new position.
struct FilePosition: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var offset: Int64
    /// `nil` in positions saved before fingerprints were kept: device and inode alone then.
    var fingerprint: FileFingerprint?
    /// How many lines come before `offset`, when known (the file was read
    /// from its start, not from its end): lines after it are numbered on.
    var line: Int64?

    static func load(from path: String) -> FilePosition? {
        guard let data = FileManager.default.contents(atPath: path),
            let value = try? JSONReader().read([UInt8](data))
        else { return nil }
        return FilePosition(checkpoint: value)
    }

    func save(to path: String) throws {
        var text =
            "{\"device\":\(Int64(bitPattern: device)),\"inode\":\(Int64(bitPattern: inode)),\"offset\":\(offset)"
        if let fingerprint {
            text += ",\"fingerprint\":\(Int64(bitPattern: fingerprint.hash)),\"fingerprint_bytes\":\(fingerprint.length)"
        }
        if let line { text += ",\"line\":\(line)" }
        text += "}\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The position as a pipeline checkpoint (`CollectedData.checkpoint`).
    var checkpoint: DataValue {
        var value: DataObject = [
            "device": .integer(Int64(bitPattern: device)), "inode": .integer(Int64(bitPattern: inode)),
            "offset": .integer(offset),
        ]
        if let fingerprint {
            value["fingerprint"] = .integer(Int64(bitPattern: fingerprint.hash))
            value["fingerprint_bytes"] = .integer(Int64(fingerprint.length))
        }
        if let line { value["line"] = .integer(line) }
        return .object(value)
    }

    init(device: UInt64, inode: UInt64, offset: Int64, fingerprint: FileFingerprint? = nil, line: Int64? = nil) {
        self.device = device
        self.inode = inode
        self.offset = offset
        self.fingerprint = fingerprint
        self.line = line
    }

    /// The position a checkpoint (or a saved position file) holds; nil for a value that is not one.
    init?(checkpoint: DataValue) {
        guard let device = checkpoint["device"]?.intValue, let inode = checkpoint["inode"]?.intValue,
            let offset = checkpoint["offset"]?.intValue, offset >= 0
        else { return nil }
        var fingerprint: FileFingerprint?
        if let hash = checkpoint["fingerprint"]?.intValue, let length = checkpoint["fingerprint_bytes"]?.intValue,
            length > 0, length <= FileFingerprint.maxLength
        {
            fingerprint = FileFingerprint(hash: UInt64(bitPattern: hash), length: Int(length))
        }
        let line = checkpoint["line"]?.intValue.flatMap { $0 >= 0 ? $0 : nil }
        self.init(
            device: UInt64(bitPattern: device), inode: UInt64(bitPattern: inode), offset: offset, fingerprint: fingerprint,
            line: line)
    }

    /// Whether the file open at `fd` (whose identity is `identity`) is the one this position is in.
    func isFile(_ identity: FileIdentity, open fd: Int32) -> Bool {
        guard identity.device == device, identity.inode == inode, identity.size >= offset else { return false }
        return fingerprint?.matches(fd) ?? true
    }
}
