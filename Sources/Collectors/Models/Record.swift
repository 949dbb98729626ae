import CollectorValues
import Foundation

/// What flows between layers: one record value and where it came from.
///
/// `sequence` increases by one per record of a source (starting at 1), so a
/// consumer can order records and acknowledge "everything up to N". `id`
/// makes storing the record idempotent (see `RecordID`); `sequence` is
/// counted anew in every run, `id` need not be.
///
/// A record travels either as a `DataValue` or as the compact JSON text of
/// one (what a Lua processor's results are: written straight from the Lua
/// table, no `DataValue` built). Consumers that write JSON or read it into
/// Lua take `jsonText` as it is; `value` decodes the text when asked, so the
/// two forms are the same record to everyone else.
public struct Record: Sendable {
    private enum Payload: Sendable {
        case value(DataValue)
        case json(ArraySlice<UInt8>)
        /// A record with a route (see `route`). Out of line: a route is rare,
        /// and a field of its own would make every record larger and every
        /// copy of one retain and release it, on the engine's hottest path.
        indirect case routed(Payload, route: [String])
        /// A record with an origin (see `origin`): out of line for the same
        /// reason, and kept only while a processor reads origins.
        indirect case placed(Payload, origin: RecordOrigin)

        /// The value or text, without the route and the origin.
        var content: Payload {
            switch self {
            case .routed(let inner, _), .placed(let inner, _): return inner.content
            case .value, .json: return self
            }
        }

        var route: [String]? {
            switch self {
            case .routed(_, let route): return route
            case .placed(let inner, _): return inner.route
            case .value, .json: return nil
            }
        }

        var origin: RecordOrigin? {
            switch self {
            case .placed(_, let origin): return origin
            case .routed(let inner, _): return inner.origin
            case .value, .json: return nil
            }
        }

        /// `content` with a route and an origin, each if any.
        static func make(_ content: Payload, route: [String]?, origin: RecordOrigin?) -> Payload {
            var payload = content
            if let route { payload = .routed(payload, route: route) }
            if let origin { payload = .placed(payload, origin: origin) }
            return payload
        }
    }

    private var payload: Payload
    public var sourceID: String
    public var sequence: UInt64
    public var collectedAt: Date
    /// What makes storing the record idempotent (see `RecordID`).
    public var id: RecordID
    /// The named outputs of its pipeline the record goes to (see
    /// `RecordRouting`): set by a processor (`emit(record, "alerts")`), or by
    /// the pipeline's route once processing is done. `nil`: not chosen, which
    /// after routing means every output. Later processors keep it.
    public var route: [String]? {
        get { payload.route }
        set { payload = .make(payload.content, route: newValue, origin: payload.origin) }
    }

    /// What its source knew about the item it came from (a file's path and
    /// the record's line, an HTTP status ...), shared with the item's other
    /// records; `nil` when the source said nothing, or when no processor of
    /// the pipeline reads it (see `Processor.readsOrigin`). Records a
    /// processor makes from it keep it.
    public var origin: RecordOrigin? {
        get { payload.origin }
        set { payload = .make(payload.content, route: payload.route, origin: newValue) }
    }

    /// - Parameter id: `nil` for a new one (`RecordID.unique()`).
    public init(
        _ value: DataValue, sourceID: String, sequence: UInt64, collectedAt: Date = Date(), id: RecordID? = nil,
        origin: RecordOrigin? = nil
    ) {
        payload = origin.map { .placed(.value(value), origin: $0) } ?? .value(value)
        self.sourceID = sourceID
        self.sequence = sequence
        self.collectedAt = collectedAt
        self.id = id ?? .unique()
    }

    /// A record carried as JSON text. `text` must be one JSON object in the
    /// compact form `JSONWriter` writes (what `JSONTextBuffer` builds): it is
    /// handed on as it is, never checked.
    public init(
        jsonText text: ArraySlice<UInt8>, sourceID: String, sequence: UInt64, collectedAt: Date = Date(), id: RecordID? = nil,
        origin: RecordOrigin? = nil
    ) {
        payload = origin.map { .placed(.json(text), origin: $0) } ?? .json(text)
        self.sourceID = sourceID
        self.sequence = sequence
        self.collectedAt = collectedAt
        self.id = id ?? .unique()
    }

    /// The record's value (decoded from its text when it travels as text;
    /// each read decodes again, so read it once).
    public var value: DataValue {
        get {
            switch payload {
            case .value(let value): return value
            case .json(let text): return Self.decode(text)
            case .routed(let inner, _), .placed(let inner, _): return Record.content(inner)
            }
        }
        set { replaceContent(with: .value(newValue)) }
    }

    /// The compact JSON text of the record, when it travels as text.
    public var jsonText: ArraySlice<UInt8>? {
        switch payload {
        case .json(let text): return text
        case .value: return nil
        case .routed(let inner, _), .placed(let inner, _):
            if case .json(let text) = inner.content { return text }
            return nil
        }
    }

    private static func content(_ payload: Payload) -> DataValue {
        switch payload {
        case .value(let value): return value
        case .json(let text): return decode(text)
        case .routed(let inner, _), .placed(let inner, _): return content(inner)
        }
    }

    /// Sets the value or text, keeping the route and the origin.
    private mutating func replaceContent(with content: Payload) {
        switch payload {
        case .value, .json: payload = content
        case .routed, .placed: payload = .make(content, route: payload.route, origin: payload.origin)
        }
    }

    /// The values of the picker's top-level fields (nil where missing, or
    /// all nil when the record is not an object); from a text record, only
    /// those fields are decoded.
    public func fields(_ picker: JSONFieldPicker) -> [DataValue?] {
        Self.fields(picker, of: payload)
    }

    private static func fields(_ picker: JSONFieldPicker, of payload: Payload) -> [DataValue?] {
        switch payload {
        case .json(let text):
            return picker.pick(fromCompact: text)
        case .value(.object(let object)):
            return picker.names.map { object[$0] }
        case .value:
            return picker.names.map { _ in nil }
        case .routed(let inner, _), .placed(let inner, _):
            return fields(picker, of: inner)
        }
    }

    /// The same metadata with another value: what a processor returns for a transformed record.
    public func with(value: DataValue) -> Record {
        var copy = self
        copy.replaceContent(with: .value(value))
        return copy
    }

    /// The same metadata with the record as JSON text (see `init(jsonText:...)`).
    public func with(jsonText text: ArraySlice<UInt8>) -> Record {
        var copy = self
        copy.replaceContent(with: .json(text))
        return copy
    }

    private static func decode(_ text: ArraySlice<UInt8>) -> DataValue {
        do {
            return try JSONReader().read(text)
        } catch {
            // Only the engine makes text records, from its own writer; text
            // that does not read back is a bug worth stopping on in debug builds.
            assertionFailure("a record's JSON text does not read back: \(error)")
            return RecordDecoder.text(text)
        }
    }
}

extension Record: Hashable {
    public static func == (lhs: Record, rhs: Record) -> Bool {
        lhs.id == rhs.id && lhs.sourceID == rhs.sourceID && lhs.sequence == rhs.sequence
            && lhs.collectedAt == rhs.collectedAt && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(sourceID)
        hasher.combine(sequence)
        hasher.combine(collectedAt)
        hasher.combine(value)
    }
}
