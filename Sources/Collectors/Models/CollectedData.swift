import CollectorValues
import Foundation

/// One item a source collected: the raw bytes and what is known about them.
/// (Seed: `CollectedData`.)
public struct CollectedData: Sendable {
    public var sourceID: String
    public var timestamp: Date
    public var format: DataFormat
    public var method: CollectionMethod
    /// The bytes as received (an HTTP body, a line, a WebSocket message).
    public var payload: [UInt8]
    /// Transport details: HTTP status, content type, latency, event id, offset ...
    public var metadata: DataObject
    /// Where the item is in its source, the same in every run (a followed
    /// file's device, inode and offset); its records then get ids that are the
    /// same in every run too (see `RecordID`), so reading it again after a
    /// restart stores nothing twice. `nil`: ids new in every run.
    public var key: String?
    /// What the source needs to resume after this item (a file position).
    /// A pipeline hands it back to a `CheckpointedSource` once the item's
    /// records, and those of every item before it, are acknowledged.
    public var checkpoint: DataValue?
    /// Set when the source refused this input (a line that is not UTF-8, or
    /// over the length limit): the item is then one failed record, whose
    /// value keeps the bytes (`payload`, as base64) and whose error is this,
    /// so that it is dead-lettered while the source reads on.
    public var refusal: ErrorInfo?
    /// A record that failed before, fed again as it was (`collector replay`):
    /// the item is that record, with its own source id, sequence and id, and
    /// `payload` is not read.
    public var replayed: Record? {
        get { replayedRecord?.first }
        set { replayedRecord = newValue.map { [$0] } }
    }
    // An array keeps an item without one a pointer larger, not a record larger.
    private var replayedRecord: [Record]?

    public init(
        sourceID: String, timestamp: Date = Date(), format: DataFormat, method: CollectionMethod,
        payload: [UInt8], metadata: DataObject = DataObject(), key: String? = nil, checkpoint: DataValue? = nil,
        refusal: ErrorInfo? = nil, replayed: Record? = nil
    ) {
        self.refusal = refusal
        self.replayedRecord = replayed.map { [$0] }
        self.sourceID = sourceID
        self.timestamp = timestamp
        self.format = format
        self.method = method
        self.payload = payload
        self.metadata = metadata
        self.key = key
        self.checkpoint = checkpoint
    }
}

/// How the payload is encoded. Extensible: sources may name their own.
public struct DataFormat: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    /// How `csv` items are read (nil: the defaults, a header row and commas).
    public var csv: CSVOptions?
    /// For `json`: split the payload's array at this path into one record per element.
    public var split: JSONSplit?
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// Formats are the same format whatever their options: `.json` matches
    /// a split JSON format too.
    public static func == (lhs: DataFormat, rhs: DataFormat) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    public static let json = DataFormat(rawValue: "json")
    /// One JSON value per line.
    public static let jsonLines = DataFormat(rawValue: "jsonl")
    public static let text = DataFormat(rawValue: "text")
    public static let csv = DataFormat(rawValue: "csv")
    public static let binary = DataFormat(rawValue: "binary")

    /// JSON documents (`json`, `jsonl`): the JSON reader checks their UTF-8
    /// and says where it fails, so sources pass such bytes on unchecked and
    /// a bad document fails as a record of its own (a dead letter).
    public var isJSON: Bool { self == .json || self == .jsonLines }
}

/// How the item was collected. Extensible: sources may name their own.
public struct CollectionMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let httpGet = CollectionMethod(rawValue: "http_get")
    public static let httpPost = CollectionMethod(rawValue: "http_post")
    public static let sse = CollectionMethod(rawValue: "sse")
    public static let websocket = CollectionMethod(rawValue: "websocket")
    public static let file = CollectionMethod(rawValue: "file")
    public static let fileTail = CollectionMethod(rawValue: "file_tail")
    public static let stdin = CollectionMethod(rawValue: "stdin")
    public static let command = CollectionMethod(rawValue: "command")
    public static let generator = CollectionMethod(rawValue: "generator")
    public static let mock = CollectionMethod(rawValue: "mock")
}
