import CollectorValues
import Foundation

/// Where a followed file was read up to: which file (device and inode) and
/// the byte offset just past the last line handed out. Saved as a small JSON
/// file, replaced atomically, so a crash leaves the old or the new position.
struct FilePosition: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var offset: Int64

    static func load(from path: String) -> FilePosition? {
        guard let data = FileManager.default.contents(atPath: path),
            let value = try? JSONReader().read([UInt8](data)),
            let device = value["device"]?.intValue, let inode = value["inode"]?.intValue,
            let offset = value["offset"]?.intValue, offset >= 0
        else { return nil }
        return FilePosition(
            device: UInt64(bitPattern: device), inode: UInt64(bitPattern: inode), offset: offset)
    }

    func save(to path: String) throws {
        let text =
            "{\"device\":\(Int64(bitPattern: device)),\"inode\":\(Int64(bitPattern: inode)),\"offset\":\(offset)}\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The position as a pipeline checkpoint (`CollectedData.checkpoint`).
    var checkpoint: DataValue {
        ["device": .integer(Int64(bitPattern: device)), "inode": .integer(Int64(bitPattern: inode)), "offset": .integer(offset)]
    }

    init(device: UInt64, inode: UInt64, offset: Int64) {
        self.device = device
        self.inode = inode
        self.offset = offset
    }

    /// The position a checkpoint holds; nil for a value that is not one.
    init?(checkpoint: DataValue) {
        guard let device = checkpoint["device"]?.intValue, let inode = checkpoint["inode"]?.intValue,
            let offset = checkpoint["offset"]?.intValue, offset >= 0
        else { return nil }
        self.init(device: UInt64(bitPattern: device), inode: UInt64(bitPattern: inode), offset: offset)
    }
}
