/// What the JSON parser tells its builder, in document order: scalars,
/// containers opening and closing, and when a member or element is complete.
/// Builders make what they want of it (a `DataValue`, Lua tables) without an
/// intermediate tree. The parser has validated everything it reports. A
/// builder may throw to stop the read (a limit of what it builds was
/// reached); builders that never stop pay nothing for it.
protocol JSONBuilder: ~Copyable {
    mutating func null() throws(JSONError)
    mutating func bool(_ value: Bool) throws(JSONError)
    mutating func integer(_ value: Int64) throws(JSONError)
    mutating func double(_ value: Double) throws(JSONError)
    /// A string's bytes: valid UTF-8, escapes decoded; valid only during the call.
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError)
    mutating func beginObject() throws(JSONError)
    /// A member's key (as `string`); its value follows, then `endMember()`.
    mutating func key(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError)
    mutating func endMember() throws(JSONError)
    mutating func endObject() throws(JSONError)
    mutating func beginArray() throws(JSONError)
    /// The value just reported is the open array's next element.
    mutating func endElement() throws(JSONError)
    mutating func endArray() throws(JSONError)
}

/// Receives a JSON document as `JSONReader` reads it, in document order, for
/// code that builds its own kind of value (Lua tables, say) straight from the
/// text. See `JSONReader.read(_:into:)`.
///
/// Any call may throw to stop the read, typically a `JSONError` of kind
/// `.stopped` made with `JSONError.stopped(_:)` when a limit of what the
/// handler builds (memory, stack) is reached; the reader adds where in the
/// text it stopped.
public protocol JSONHandler: AnyObject {
    func null() throws(JSONError)
    func bool(_ value: Bool) throws(JSONError)
    func integer(_ value: Int64) throws(JSONError)
    func double(_ value: Double) throws(JSONError)
    /// A string's bytes: valid UTF-8, escapes decoded; valid only during the call.
    func string(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError)
    func beginObject() throws(JSONError)
    /// A member's key (as `string`); its value follows, then `endMember()`.
    func key(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError)
    func endMember() throws(JSONError)
    func endObject() throws(JSONError)
    func beginArray() throws(JSONError)
    /// The value just reported is the open array's next element.
    func endElement() throws(JSONError)
    func endArray() throws(JSONError)
}

extension JSONReader {
    /// Reads one JSON text, with the same rules and errors as `read(_:)`,
    /// reporting what it reads to `handler` instead of building a `DataValue`.
    /// After an error the handler has heard part of the document. An error
    /// the handler throws without a location comes out with the byte offset,
    /// line and column where the read stopped.
    public func read(_ bytes: UnsafeRawBufferPointer, into handler: any JSONHandler) throws(JSONError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONError.reading(
                .unexpectedEndOfInput, "unexpected end of input", detail: "the input is empty", at: 0, in: nil)
        }
        let text = base.assumingMemoryBound(to: UInt8.self)
        var parser = JSONParser(base: text, end: bytes.count, maxDepth: maxDepth)
        var builder = HandlerBuilder(handler: handler)
        do {
            try parser.parse(into: &builder)
        } catch where error.offset == nil {
            throw JSONError.reading(error.kind, error.message, detail: error.detail, at: min(parser.pos, bytes.count), in: text)
        }
    }
}

/// Forwards to a `JSONHandler`: the parser is specialized for this one type,
/// and only the handler's calls are dynamic.
private struct HandlerBuilder: JSONBuilder {
    let handler: any JSONHandler
    func null() throws(JSONError) { try handler.null() }
    func bool(_ value: Bool) throws(JSONError) { try handler.bool(value) }
    func integer(_ value: Int64) throws(JSONError) { try handler.integer(value) }
    func double(_ value: Double) throws(JSONError) { try handler.double(value) }
    func string(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError) { try handler.string(bytes) }
    func beginObject() throws(JSONError) { try handler.beginObject() }
    func key(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError) { try handler.key(bytes) }
    func endMember() throws(JSONError) { try handler.endMember() }
    func endObject() throws(JSONError) { try handler.endObject() }
    func beginArray() throws(JSONError) { try handler.beginArray() }
    func endElement() throws(JSONError) { try handler.endElement() }
    func endArray() throws(JSONError) { try handler.endArray() }
}
