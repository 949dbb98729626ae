import CollectorValues
import Collectors
import Foundation

/// Lines from standard input (or any readable pipe or terminal descriptor):
/// `collect()` returns the next line and fails with an end-of-data error at
/// the end of input; `stream()` yields the lines and ends there.
///
/// Reads wait in the shared poll loop, never on a thread of Swift's
/// cooperative pool nor on one of their own, and a cancelled read ends at
/// once. One reader at a time: a
/// second concurrent `collect()` fails with a `.configuration` error.
/// A line over `maxLineLength` or not UTF-8 (when `validateUTF8`) is an item
/// of its own with a `.validation` `refusal` (line number, reason, its
/// bytes): a pipeline dead-letters it and reads on. A failed read is an
/// error typed by its errno.
public actor StdinSource: DataSource, PullingSource {
    public struct Options: Sendable, Hashable {
        public var format: DataFormat
        public var maxLineLength: Int
        public var validateUTF8: Bool

        public init(format: DataFormat = .jsonLines, maxLineLength: Int = 16 << 20, validateUTF8: Bool = true) {
            self.format = format
            self.maxLineLength = maxLineLength
            self.validateUTF8 = validateUTF8
        }
    }

    public nonisolated let id: String
    public nonisolated let options: Options
    private let reader: PipeReader
    private var lines: LineReading

    /// - Parameter fileDescriptor: 0 (standard input) unless a test or an embedder passes another.
    ///   The source does not close it.
    public init(id: String = "stdin", fileDescriptor: Int32 = 0, options: Options = Options()) {
        self.id = id
        self.options = options
        reader = PipeReader(fd: fileDescriptor)
        lines = LineReading(
            cursor: LineCursor(sourceID: id, maxLineLength: options.maxLineLength, validateUTF8: options.validateUTF8 && !options.format.isJSON))
    }

    public func connect() async throws {}
    public func disconnect() async {}

    func next() async throws -> CollectedData? {
        try lines.checkIdle(id)
        while true {
            switch lines.step() {
            case .line(let payload, let number, let refusal):
                return CollectedData(
                    sourceID: id, format: options.format, method: .stdin, payload: payload,
                    metadata: ["line": .integer(number)], refusal: refusal)
            case .end:
                return nil
            case .needMore:
                lines.busy = true
                defer { lines.busy = false }
                lines.receive(try await reader.read(sourceID: id))
            }
        }
    }
}

/// The line state that stdin and command output share. The owning actor
/// runs the loop: take a buffered line (`step`), else read and `receive`.
struct LineReading {
    enum Step {
        /// A line; with a refusal when the cursor refused it (see `LineCursor.Step.refused`).
        case line(payload: [UInt8], number: Int64, refusal: ErrorInfo?)
        case needMore
        case end
    }

    var cursor: LineCursor
    private var atEnd = false
    /// Set while a read is awaited: actors are reentrant, and two readers
    /// interleaving their appends would scramble lines.
    var busy = false

    init(cursor: LineCursor) { self.cursor = cursor }

    mutating func step() -> Step {
        switch cursor.next(atEnd: atEnd) {
        case .line(let payload, _, let number):
            return .line(payload: payload, number: number, refusal: nil)
        case .refused(let payload, _, let number, let error):
            return .line(payload: payload, number: number, refusal: error)
        case .needMore:
            return atEnd ? .end : .needMore
        }
    }

    /// Bytes read; empty means the end of input.
    mutating func receive(_ bytes: [UInt8]) {
        if bytes.isEmpty { atEnd = true } else { cursor.append(bytes) }
    }

    func checkIdle(_ sourceID: String) throws(ErrorInfo) {
        guard busy else { return }
        throw ErrorInfo(
            .configuration, layer: .collection, operation: "collect",
            message: "source '\(sourceID)' is already being read by another caller",
            details: ["source_id": .string(sourceID)])
    }
}

extension PipeReader {
    /// `read()` with a failed read typed as an `ErrorInfo`.
    func read(sourceID: String) async throws -> [UInt8] {
        do {
            return try await read()
        } catch let error as POSIXErrorCode32 {
            throw SourceErrors.system(sourceID, operation: "collect", call: "read", errno: error.code)
        }
    }
}
