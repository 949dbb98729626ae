import CollectorValues
import Foundation

/// Something that happened in the engine, for monitoring. (Seed: `SystemEvent`.)
public struct SystemEvent: Sendable, Hashable {
    public var type: EventType
    public var timestamp: Date
    /// Who emitted it: a source or backend id, a manager, `pipeline`.
    public var source: String
    public var data: DataObject

    public init(_ type: EventType, source: String, data: DataObject = DataObject(), timestamp: Date = Date()) {
        self.type = type
        self.timestamp = timestamp
        self.source = source
        self.data = data
    }
}
