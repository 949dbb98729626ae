import CollectorValues

/// A record a hook sent with `emit`, and the outputs it named, if any.
struct EmittedRecord: Sendable {
    var value: DataValue
    var route: [String]?
}
