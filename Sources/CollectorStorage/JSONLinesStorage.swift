import Collectors
import CollectorValues
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A backend that appends each record as one line of compact JSON to a file
/// (JSON Lines), optionally rotated by size.
///
/// **Append-only.** `delete(locationID:)` always fails with a `.storage`
/// error saying so: rewriting a file to drop one line would break the
/// append-only promise that makes these files safe to tail and ship. To
/// forget records, remove or rotate files; use SQLite, PostgreSQL or memory
/// storage for deletable records.
///
/// A batch is written with one `write` (after encoding the whole batch, so a
/// record that cannot be encoded stores nothing); a write that fails half way
/// (a full disk) is cut back off the file, so a batch is all-or-nothing.
/// Queries read the rotated files oldest first, then the active file, and
/// apply the criteria in Swift (see `CriteriaEvaluator` for the rules).
///
/// A location id is `FILE:OFFSET`, the file name and byte offset the line was
/// written at; rotation renames files, so it names where the record was
/// written, not where it is now.
public actor JSONLinesStorage: StorageBackend {
    public nonisolated let id: String
    /// The active file, e.g. `/var/lib/collector/out.jsonl`.
    public nonisolated let path: String
    public nonisolated let options: JSONLinesOptions

    private let executor: StorageThreadExecutor
    private var descriptor: Int32 = -1
    private var size: Int = 0
    /// Whether the path is a regular file. A pipe, a terminal or a device
    /// (`/dev/stdout`) cannot be forced to disk, cut back or rotated: what
    /// went out is gone, so it is written once and never synced.
    private var isRegularFile = true
    private var buffer: [UInt8] = []

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// - Parameters:
    ///   - path: the active file; created on `connect()` if missing (its folder must exist).
    public init(id: String = "jsonl", path: String, options: JSONLinesOptions = JSONLinesOptions()) {
        self.id = id
        self.path = path
        self.options = options
        executor = StorageThreadExecutor(name: "jsonl-\(id)")
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        executor.stop()
    }

    public func connect() async throws {
        if descriptor >= 0 { return }
        try openActiveFile(operation: "connect")
    }

    public func disconnect() async {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        let offset = try appendLines([record], operation: "store")
        let name = (path as NSString).lastPathComponent
        let locationID = "\(name):\(offset)"
        return StorageLocation(backendID: id, locationID: locationID, path: "file://\(path)#\(offset)")
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        if !records.isEmpty { _ = try appendLines(records, operation: "store") }
        return StoredBatch(backendID: id, count: records.count)
    }

    /// Records that travel as JSON text are written as they are.
    public func store(records: [Record]) async throws -> StoredBatch {
        if !records.isEmpty { _ = try appendLines(records, operation: "store") }
        return StoredBatch(backendID: id, count: records.count)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        try checkConnected("query")
        try StorageErrors.checkPaging(criteria, backend: id)
        try StorageErrors.checkFilters(criteria, backend: id)
        guard isRegularFile else {
            // Reading a pipe back would wait for its writer (this backend) forever.
            throw ErrorInfo(
                .storage, layer: .storage, operation: "query",
                message: "\(path) is not a regular file (a pipe or a device): what was written there cannot be read back",
                details: ["backend_id": .string(id), "path": .string(path)])
        }
        var records: [DataValue] = []
        for file in existingFiles().reversed() {
            try readRecords(of: file, into: &records)
        }
        return CriteriaEvaluator.apply(criteria, to: records) { $0 }
    }

    public func delete(locationID: String) async throws {
        try checkConnected("delete")
        throw ErrorInfo(
            .storage, layer: .storage, operation: "delete",
            message: "JSON-lines storage '\(id)' is append-only: records cannot be deleted (remove or rotate \(path) instead)",
            details: ["backend_id": .string(id), "path": .string(path), "location_id": .string(locationID)]
        )
    }

    // MARK: writing

    /// Writes the records as lines; returns the offset of the first one.
    private func appendLines(_ records: [DataValue], operation: String) throws(ErrorInfo) -> Int {
        try appendLines(records.count, operation: operation) { index, buffer throws(JSONError) in
            try RecordJSON.append(records[index], to: &buffer)
        }
    }

    private func appendLines(_ records: [Record], operation: String) throws(ErrorInfo) -> Int {
        try appendLines(records.count, operation: operation) { index, buffer throws(JSONError) in
            try RecordJSON.append(records[index], to: &buffer)
        }
    }

    /// Writes `count` records as lines, each appended by `encode`; returns
    /// the offset of the first one.
    private func appendLines(
        _ count: Int, operation: String, encode: (Int, inout [UInt8]) throws(JSONError) -> Void
    ) throws(ErrorInfo) -> Int {
        try checkConnected(operation)
        buffer.removeAll(keepingCapacity: true)
        var ends: [Int] = []
        if options.sync == .everyRecord { ends.reserveCapacity(count) }
        for index in 0..<count {
            do throws(JSONError) {
                try encode(index, &buffer)
            } catch {
                throw ErrorInfo(
                    .validation, layer: .storage, operation: operation,
                    message: count > 1
                        ? "record \(index) of the batch cannot be written as JSON: \(error); nothing of the batch was stored"
                        : "the record cannot be written as JSON: \(error)",
                    details: ["backend_id": .string(id), "path": .string(path), "record_index": .integer(Int64(index))]
                )
            }
            buffer.append(UInt8(ascii: "\n"))
            if options.sync == .everyRecord { ends.append(buffer.count) }
        }
        if isRegularFile, let maxFileSize = options.maxFileSize, size > 0, size + buffer.count > maxFileSize {
            try rotate(operation: operation)
        }
        let start = size
        if options.sync == .everyRecord {
            var from = 0
            for end in ends {
                try writeAll(from: from, to: end, startSize: start, operation: operation)
                try sync(startSize: start, operation: operation)
                from = end
            }
        } else {
            try writeAll(from: 0, to: buffer.count, startSize: start, operation: operation)
            if options.sync == .everyBatch { try sync(startSize: start, operation: operation) }
        }
        return start
    }

    /// Writes `buffer[from..<to]`; on failure cuts the file back to `startSize`.
    private func writeAll(from: Int, to: Int, startSize: Int, operation: String) throws(ErrorInfo) {
        var position = from
        let failure: Int32? = buffer.withUnsafeBytes { raw -> Int32? in
            while position < to {
                let written = write(descriptor, raw.baseAddress! + position, to - position)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                position += written
            }
            return nil
        }
        if let code = failure {
            guard isRegularFile else {
                // Nothing can be taken back from a pipe: a retry would repeat what went out.
                var error = fileError(code, operation: operation, "cannot write to \(path) (\(position - from) bytes of the batch went out)")
                if position > from { error.isRetryable = false }
                throw error
            }
            _ = ftruncate(descriptor, off_t(startSize))
            size = startSize
            throw fileError(code, operation: operation, "cannot write to \(path) (nothing of the batch was kept)")
        }
        size += to - from
    }

    /// Forces the file to the disk; on failure cuts it back to `startSize`:
    /// the error is retryable, and a retry must not find the batch there already.
    private func sync(startSize: Int, operation: String) throws(ErrorInfo) {
        guard isRegularFile else { return }
        if fsync(descriptor) != 0 {
            let code = errno
            _ = ftruncate(descriptor, off_t(startSize))
            size = startSize
            throw fileError(code, operation: operation, "cannot flush \(path) to disk (nothing of the batch was kept)")
        }
    }

    private func rotate(operation: String) throws(ErrorInfo) {
        close(descriptor)
        descriptor = -1
        var number = existingRotatedCount()
        while number >= 1 {
            if rename(rotatedPath(number), rotatedPath(number + 1)) != 0 {
                throw fileError(errno, operation: operation, "cannot rotate \(rotatedPath(number))")
            }
            number -= 1
        }
        if rename(path, rotatedPath(1)) != 0 {
            throw fileError(errno, operation: operation, "cannot rotate \(path)")
        }
        if let keep = options.maxRotatedFiles {
            var extra = max(keep, 0) + 1
            while unlink(rotatedPath(extra)) == 0 { extra += 1 }
        }
        try openActiveFile(operation: operation)
    }

    private func openActiveFile(operation: String) throws(ErrorInfo) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw fileError(errno, operation: operation, "cannot open \(path) for appending")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw fileError(code, operation: operation, "cannot read the size of \(path)")
        }
        descriptor = fd
        isRegularFile = (info.st_mode & S_IFMT) == S_IFREG
        size = isRegularFile ? Int(info.st_size) : 0
    }

    // MARK: files

    /// `name.N.jsonl` for `name.jsonl` (`name.N` for a name without extension).
    private nonisolated func rotatedPath(_ number: Int) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let base = url.deletingPathExtension().path
        return ext.isEmpty ? "\(base).\(number)" : "\(base).\(number).\(ext)"
    }

    private func existingRotatedCount() -> Int {
        var number = 0
        while access(rotatedPath(number + 1), F_OK) == 0 { number += 1 }
        return number
    }

    /// The active file first, then `.1`, `.2` ... (newest to oldest).
    private func existingFiles() -> [String] {
        var files: [String] = []
        if access(path, F_OK) == 0 { files.append(path) }
        for number in stride(from: 1, through: existingRotatedCount(), by: 1) { files.append(rotatedPath(number)) }
        return files
    }

    private func readRecords(of file: String, into records: inout [DataValue]) throws(ErrorInfo) {
        let contents: Data
        do {
            contents = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ErrorInfo(
                .storage, layer: .storage, operation: "query", message: "cannot read \(file): \(error.localizedDescription)",
                details: ["backend_id": .string(id), "path": .string(file)])
        }
        let bytes = [UInt8](contents)
        var lineNumber = 0
        var start = 0
        var failure: ErrorInfo?
        bytes.withUnsafeBufferPointer { all in
            while start < all.count {
                let end = all[start...].firstIndex(of: UInt8(ascii: "\n")) ?? all.count
                lineNumber += 1
                if end > start {
                    do {
                        records.append(try RecordJSON.decode(UnsafeBufferPointer(rebasing: all[start..<end])))
                    } catch {
                        failure = ErrorInfo(
                            .storage, layer: .storage, operation: "query",
                            message: "\(file) line \(lineNumber) is not valid JSON: \(error)",
                            details: ["backend_id": .string(id), "path": .string(file), "line": .integer(Int64(lineNumber))])
                        return
                    }
                }
                start = end + 1
            }
        }
        if let failure { throw failure }
    }

    private func checkConnected(_ operation: String) throws(ErrorInfo) {
        guard descriptor >= 0 else {
            throw StorageErrors.notConnected(backend: id, kind: "JSON-lines", operation: operation)
        }
    }

    private func fileError(_ code: Int32, operation: String, _ what: String) -> ErrorInfo {
        let retryable = code == ENOSPC || code == EDQUOT || code == EAGAIN || code == EINTR
        return ErrorInfo(
            .storage, layer: .storage, operation: operation,
            message: "\(what): \(String(cString: strerror(code)))",
            details: ["backend_id": .string(id), "path": .string(path), "errno": .integer(Int64(code))],
            isRetryable: retryable
        )
    }
}

extension JSONLinesStorage: FileWritingBackend {
    public nonisolated var writtenPath: String { path }
}
