import CollectorValues

/// What a transform call (`LuaState.callTransform(_:input:text:)`) returned.
public enum TransformResult: Sendable, Equatable {
    /// Nothing, or nil.
    case none
    /// A record, written as compact JSON text at this range of the buffer.
    case text(Range<Int>)
    /// A value with no JSON form, or one that is not a record, as data.
    case data(DataValue)
}
