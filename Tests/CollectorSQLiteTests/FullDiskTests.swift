import CollectorSQLite
import CollectorStorage
import Collectors
import CollectorValues
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real file system that runs out of space: a tmpfs of 1 MiB, a quarter of
/// it taken by a filler file that the tests delete to free space again. Both
/// backends that write files (SQLite and JSON lines, the latter here too so
/// that the mount is written once) are filled until a batch fails. SQLite's
/// own cap (`maxPageCount`) is covered in `SQLiteFailureTests`.
@Suite(
    "Storage on a full file system",
    .enabled(if: geteuid() == 0, "mounting a tmpfs needs root (CI runs the tests as root)"),
    .enabled("the kernel refuses to mount a tmpfs here (no CAP_SYS_ADMIN, as in an unprivileged container)") {
        SmallFileSystem.mountIsPermitted()
    }
)
struct FullDiskTests {
    static let fileSystemSize = 1 << 20
    static let fillerSize = 256 << 10
    static let batchSize = 40

    /// Batch `number`: records of about 1 KB, each naming its batch.
    static func batch(_ number: Int) -> [DataValue] {
        (0..<batchSize).map { index in
            [
                "batch": .integer(Int64(number)), "index": .integer(Int64(index)),
                "pad": .string(String(repeating: "abcdefghij", count: 100)),
            ]
        }
    }

    /// How many records of each batch `records` hold.
    static func countsByBatch(_ records: [DataValue]) -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for record in records {
            if case .integer(let number)? = record["batch"] { counts[Int(number), default: 0] += 1 }
        }
        return counts
    }

    static func fullBatches(_ numbers: Range<Int>) -> [Int: Int] {
        Dictionary(uniqueKeysWithValues: numbers.map { ($0, batchSize) })
    }

    @Test func sqliteInWALModeRollsTheFailedBatchBackAndStoresOnceSpaceIsFreed() async throws {
        try await withSmallFileSystem(bytes: Self.fileSystemSize) { fs in
            try fs.fill("filler", bytes: Self.fillerSize)
            let path = fs.file("full.db")
            let storage = SQLiteStorage(path: path)
            try await storage.connect()
            #expect(try RawSQLite(path: path).rows("PRAGMA journal_mode") == [["wal"]])

            // Batches until one fails: the file system is full.
            var stored = 0
            var failure: ErrorInfo?
            while failure == nil, stored < 100 {
                do {
                    _ = try await storage.store(batch: Self.batch(stored))
                    stored += 1
                } catch let error as ErrorInfo {
                    failure = error
                }
            }
            let error = try #require(failure, "1 MiB should fill up in fewer than 100 batches of 40 KB")
            #expect(stored > 0)
            #expect(error.layer == .storage)
            #expect(error.type == .storage)
            #expect(error.details["sqlite_code"] == 13)  // SQLITE_FULL
            #expect(error.message.contains(path))
            #expect(error.message.contains("database or disk is full"))
            #expect(error.message.contains("nothing of the batch was stored"))
            // SQLite cannot say which was full; the message says how much space the file system has.
            #expect(error.message.contains("the file system holding it has"))
            let free = try #require(error.details["free_bytes"]?.intValue)
            #expect(free < Int64(Self.fillerSize))
            // Space may come back (a log rotated, a file removed): the same batch can succeed later.
            #expect(error.isRetryable)

            // The failed batch left nothing; the earlier ones are whole and readable,
            // through the backend and through another connection.
            #expect(Self.countsByBatch(try await storage.query(QueryCriteria())) == Self.fullBatches(0..<stored))
            #expect(try RawSQLite(path: path).count("records") == stored * Self.batchSize)
            #expect(try RawSQLite(path: path).rows("PRAGMA integrity_check") == [["ok"]])

            // Space freed: the batch that failed stores, once.
            try fs.remove("filler")
            _ = try await storage.store(batch: Self.batch(stored))
            #expect(Self.countsByBatch(try await storage.query(QueryCriteria())) == Self.fullBatches(0..<(stored + 1)))

            // The file reads back whole after a restart (the last connection checkpoints the WAL).
            await storage.disconnect()
            let again = SQLiteStorage(path: path)
            try await again.connect()
            #expect(Self.countsByBatch(try await again.query(QueryCriteria())) == Self.fullBatches(0..<(stored + 1)))
            await again.disconnect()
            #expect(try RawSQLite(path: path).rows("PRAGMA integrity_check") == [["ok"]])
        }
    }

    @Test(arguments: [JSONLinesOptions.SyncPolicy.never, .everyBatch, .everyRecord])
    func jsonLinesCutsTheFailedBatchOffAndStoresItOnceWhenRetried(sync: JSONLinesOptions.SyncPolicy) async throws {
        try await withSmallFileSystem(bytes: Self.fileSystemSize) { fs in
            try fs.fill("filler", bytes: Self.fillerSize)
            let path = fs.file("out.jsonl")
            let storage = JSONLinesStorage(path: path, options: JSONLinesOptions(sync: sync))
            try await storage.connect()

            var stored = 0
            var sizeBefore = 0
            var roomBefore = 0
            var failure: ErrorInfo?
            while failure == nil, stored < 100 {
                roomBefore = try fs.room(for: "out.jsonl")
                do {
                    _ = try await storage.store(batch: Self.batch(stored))
                    stored += 1
                    sizeBefore = try fs.size(of: "out.jsonl")
                } catch let error as ErrorInfo {
                    failure = error
                }
            }
            let error = try #require(failure, "1 MiB should fill up in fewer than 100 batches of 40 KB")
            #expect(stored > 0)
            // Part of the batch fit (and was written) before the file system ran out.
            #expect(roomBefore > 0)
            #expect(error.layer == .storage)
            #expect(error.isRetryable)
            #expect(error.details["errno"] == .integer(Int64(ENOSPC)))
            #expect(error.message.contains(path))
            #expect(error.message.contains("No space left on device"))

            // The file is as it was before the failed batch: whole lines, whole batches.
            #expect(try fs.size(of: "out.jsonl") == sizeBefore)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.last == UInt8(ascii: "\n"))
            #expect(Self.countsByBatch(try await storage.query(QueryCriteria())) == Self.fullBatches(0..<stored))

            // Space freed: the retried batch is stored exactly once.
            try fs.remove("filler")
            _ = try await storage.store(batch: Self.batch(stored))
            #expect(Self.countsByBatch(try await storage.query(QueryCriteria())) == Self.fullBatches(0..<(stored + 1)))
            await storage.disconnect()
        }
    }
}

/// A tmpfs mounted on a fresh directory for the length of `body`, unmounted
/// (and its directory removed) after it, whether it returns or throws.
func withSmallFileSystem<R>(bytes: Int, _ body: (SmallFileSystem) async throws -> R) async throws -> R {
    let fs = try SmallFileSystem(bytes: bytes)
    do {
        let result = try await body(fs)
        fs.unmount()
        return result
    } catch {
        fs.unmount()
        throw error
    }
}

/// A tmpfs of a given size; see `withSmallFileSystem`.
struct SmallFileSystem: Sendable {
    let path: String

    fileprivate init(bytes: Int) throws {
        path = NSTemporaryDirectory() + "collector-full-disk-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let status = "size=\(bytes)".withCString { mount("tmpfs", path, "tmpfs", 0, $0) }
        if status != 0 {
            let code = errno
            rmdir(path)
            throw SmallFileSystemError(message: "mount -t tmpfs on \(path) failed: \(String(cString: strerror(code)))", code: code)
        }
    }

    /// Whether the kernel lets this process mount a tmpfs: false when it
    /// refuses with `EPERM` or `EACCES`; any other failure is left to the
    /// test to report.
    static func mountIsPermitted() -> Bool {
        do {
            try SmallFileSystem(bytes: 64 << 10).unmount()
            return true
        } catch {
            let code = (error as? SmallFileSystemError)?.code
            return !(code == EPERM || code == EACCES)
        }
    }

    /// Unmounts (lazily when a file is still open: the kernel frees the
    /// file system when the last one closes) and removes the directory.
    fileprivate func unmount() {
        if umount2(path, 0) != 0 { _ = umount2(path, Int32(MNT_DETACH)) }
        rmdir(path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes a file of `bytes` bytes (tmpfs takes the space as it is written).
    func fill(_ name: String, bytes: Int) throws {
        try Data(repeating: 0x2E, count: bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    func remove(_ name: String) throws {
        try FileManager.default.removeItem(atPath: file(name))
    }

    func size(of name: String) throws -> Int {
        var info = stat()
        guard stat(file(name), &info) == 0 else {
            throw SmallFileSystemError(message: "cannot stat \(file(name)): \(String(cString: strerror(errno)))")
        }
        return Int(info.st_size)
    }

    /// How many bytes can still be appended to file `name`: the free blocks
    /// of the file system and what its last block has left.
    func room(for name: String) throws -> Int {
        var fileInfo = stat()
        var info = statvfs()
        guard stat(file(name), &fileInfo) == 0, statvfs(path, &info) == 0 else {
            throw SmallFileSystemError(message: "cannot stat \(file(name)): \(String(cString: strerror(errno)))")
        }
        return Int(info.f_bavail) * Int(info.f_frsize) + Int(fileInfo.st_blocks) * 512 - Int(fileInfo.st_size)
    }
}

struct SmallFileSystemError: Error, CustomStringConvertible {
    let message: String
    var code: Int32 = 0
    var description: String { message }
}
