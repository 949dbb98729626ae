/// What the JSON parser tells its builder, in document order: scalars,
/// containers opening and closing, and when a member or element is complete.
/// Builders make what they want of it (a `DataValue`, Lua tables) without an
/// intermediate tree. The parser has validated everything it reports.
protocol JSONBuilder: ~Copyable {
    mutating func null()
    mutating func bool(_ value: Bool)
    mutating func integer(_ value: Int64)
    mutating func double(_ value: Double)
    /// A string's bytes: valid UTF-8, escapes decoded; valid only during the call.
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>)
    mutating func beginObject()
    /// A member's key (as `string`); its value follows, then `endMember()`.
    mutating func key(_ bytes: UnsafeBufferPointer<UInt8>)
    mutating func endMember()
    mutating func endObject()
    mutating func beginArray()
    /// The value just reported is the open array's next element.
    mutating func endElement()
    mutating func endArray()
}

/// Receives a JSON document as `JSONReader` reads it, in document order, for
/// code that builds its own kind of value (Lua tables, say) straight from the
/// text. See `JSONReader.read(_:into:)`.
public protocol JSONHandler: AnyObject {
    func null()
    func bool(_ value: Bool)
    func integer(_ value: Int64)
    func double(_ value: Double)
    /// A string's bytes: valid UTF-8, escapes decoded; valid only during the call.
    func string(_ bytes: UnsafeBufferPointer<UInt8>)
    func beginObject()
    /// A member's key (as `string`); its value follows, then `endMember()`.
    func key(_ bytes: UnsafeBufferPointer<UInt8>)
    func endMember()
    func endObject()
    func beginArray()
    /// The value just reported is the open array's next element.
    func endElement()
    func endArray()
}

extension JSONReader {
    /// Reads one JSON text, with the same rules and errors as `read(_:)`,
    /// reporting what it reads to `handler` instead of building a `DataValue`.
    /// After an error the handler has heard part of the document.
    public func read(_ bytes: UnsafeRawBufferPointer, into handler: any JSONHandler) throws(JSONError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONError.reading(
                .unexpectedEndOfInput, "unexpected end of input", detail: "the input is empty", at: 0, in: nil)
        }
        var parser = JSONParser(
            base: base.assumingMemoryBound(to: UInt8.self), end: bytes.count, maxDepth: maxDepth)
        var builder = HandlerBuilder(handler: handler)
        try parser.parse(into: &builder)
    }
}

/// Forwards to a `JSONHandler`: the parser is specialized for this one type,
/// and only the handler's calls are dynamic.
private struct HandlerBuilder: JSONBuilder {
    let handler: any JSONHandler
    func null() { handler.null() }
    func bool(_ value: Bool) { handler.bool(value) }
    func integer(_ value: Int64) { handler.integer(value) }
    func double(_ value: Double) { handler.double(value) }
    func string(_ bytes: UnsafeBufferPointer<UInt8>) { handler.string(bytes) }
    func beginObject() { handler.beginObject() }
    func key(_ bytes: UnsafeBufferPointer<UInt8>) { handler.key(bytes) }
    func endMember() { handler.endMember() }
    func endObject() { handler.endObject() }
    func beginArray() { handler.beginArray() }
    func endElement() { handler.endElement() }
    func endArray() { handler.endArray() }
}
