import Collectors
import CollectorValues

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A backend that writes records to standard output (or standard error):
/// JSON lines, pretty JSON or logfmt (see `ConsoleOptions`).
///
/// A batch is encoded whole, then written with one `write` call (more only
/// when the pipe or terminal takes part of it): a record that cannot be
/// encoded writes nothing of its batch. It never syncs: what went to a pipe
/// or a terminal cannot be forced anywhere nor taken back, so a failed write
/// is not retried (a retry would repeat what went out). A reader that has
/// gone (a closed pipe, `EPIPE`) is an error that says so; `SIGPIPE` is
/// blocked on the writing thread for the call, so it does not end the process.
/// Queries return nothing: what was written cannot be read back.
public actor ConsoleStorage: StorageBackend {
    public nonisolated let id: String
    public nonisolated let options: ConsoleOptions
    private let executor: StorageThreadExecutor
    private var connected = false
    private var buffer: [UInt8] = []
    private let logfmt = LogfmtWriter()
    private let prettyWriter = JSONWriter(pretty: true)

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    public init(id: String = "console", options: ConsoleOptions = ConsoleOptions()) {
        self.id = id
        self.options = options
        // A terminal or a slow reader blocks the write: on a thread of its own, not the pool's.
        executor = StorageThreadExecutor(name: "console-\(id)")
    }

    deinit {
        executor.stop()
    }

    public func connect() async throws { connected = true }
    public func disconnect() async { connected = false }

    public func store(_ record: DataValue) async throws -> StorageLocation {
        try writeBatch(1, operation: "store") { _, buffer throws(JSONError) in try encode(record, to: &buffer) }
        return StorageLocation(backendID: id, locationID: "", path: "\(options.stream.rawValue)://")
    }

    public func store(batch records: [DataValue]) async throws -> StoredBatch {
        try writeBatch(records.count, operation: "store") { index, buffer throws(JSONError) in try encode(records[index], to: &buffer) }
        return StoredBatch(backendID: id, count: records.count)
    }

    /// Records that travel as JSON text go out as they are in the `json` format.
    public func store(records: [Record]) async throws -> StoredBatch {
        try writeBatch(records.count, operation: "store") { index, buffer throws(JSONError) in
            if options.format == .json {
                try RecordJSON.append(records[index], to: &buffer)
            } else {
                try encode(records[index].value, to: &buffer)
            }
        }
        return StoredBatch(backendID: id, count: records.count)
    }

    public func query(_ criteria: QueryCriteria) async throws -> [DataValue] {
        try checkConnected("query")
        try StorageErrors.checkPaging(criteria, backend: id)
        return []
    }

    public func delete(locationID: String) async throws {
        try checkConnected("delete")
        throw ErrorInfo(
            .storage, layer: .storage, operation: "delete",
            message: "console storage '\(id)' writes to \(options.stream.rawValue): records cannot be deleted",
            details: ["backend_id": .string(id)])
    }

    private func encode(_ value: DataValue, to buffer: inout [UInt8]) throws(JSONError) {
        switch options.format {
        case .json: try RecordJSON.append(value, to: &buffer)
        case .pretty: try prettyWriter.write(value, into: &buffer)
        case .logfmt: try logfmt.append(value, to: &buffer)
        }
    }

    /// Encodes `count` records, a line each, then writes them at once.
    private func writeBatch(
        _ count: Int, operation: String, encode: (Int, inout [UInt8]) throws(JSONError) -> Void
    ) throws(ErrorInfo) {
        try checkConnected(operation)
        guard count > 0 else { return }
        buffer.removeAll(keepingCapacity: true)
        for index in 0..<count {
            do throws(JSONError) {
                try encode(index, &buffer)
            } catch {
                throw ErrorInfo(
                    .validation, layer: .storage, operation: operation,
                    message: count > 1
                        ? "record \(index) of the batch cannot be written as \(options.format.rawValue): \(error); nothing of the batch was written"
                        : "the record cannot be written as \(options.format.rawValue): \(error)",
                    details: ["backend_id": .string(id), "record_index": .integer(Int64(index))])
            }
            buffer.append(UInt8(ascii: "\n"))
        }
        let (written, code) = SIGPIPEBlocked.run { [buffer, descriptor = options.stream.descriptor] in
            Self.writeAll(buffer, to: descriptor)
        }
        guard let code else { return }
        let stream = options.stream.rawValue
        let message =
            code == EPIPE
            ? "\(stream) is closed (its reader has gone: EPIPE); \(written) of \(buffer.count) bytes of the batch went out"
            : "cannot write to \(stream): \(String(cString: strerror(code))) (errno \(code)); \(written) of \(buffer.count) bytes of the batch went out"
        // Nothing can be taken back from a pipe or a terminal: a retry would repeat what went out.
        throw ErrorInfo(
            .storage, layer: .storage, operation: operation, message: "\(id): \(message)",
            details: ["backend_id": .string(id), "errno": .integer(Int64(code))], isCritical: code == EPIPE)
    }

    /// Writes every byte, through partial writes and interruptions: the bytes
    /// written, and the error that stopped it, if any.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> (Int, Int32?) {
        bytes.withUnsafeBytes { raw in
            var position = 0
            while position < raw.count {
                let written = write(descriptor, raw.baseAddress! + position, raw.count - position)
                if written < 0 {
                    if errno == EINTR { continue }
                    return (position, errno)
                }
                position += written
            }
            return (position, nil)
        }
    }

    private func checkConnected(_ operation: String) throws(ErrorInfo) {
        guard connected else {
            throw StorageErrors.notConnected(backend: id, kind: "console", operation: operation)
        }
    }
}

extension ConsoleStorage: StandardOutputWriter {
    public nonisolated var writesStandardOutput: Bool { options.stream == .stdout }
}
