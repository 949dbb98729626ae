import CollectorValues
import LuaRuntime

/// What any byte string must do as JSON text:
/// - the reader into `DataValue` and the reader into Lua (`JSONText`) accept
///   and refuse the same texts, and build the same value;
/// - a value read, written again by `JSONWriter` (compact, sorted, pretty),
///   reads back as the same value;
/// - a record decoded into Lua and written straight back to JSON text by the
///   state reads back as the same value.
struct JSONChecks {
    let boundary: Boundary

    func check(_ bytes: [UInt8]) {
        let reader = JSONReader(maxDepth: boundary.maxDepth)
        let read = Result { () throws(JSONError) in try reader.read(bytes) }
        let pushed = Result { () throws(LuaError) in
            try boundary.state.callTransform(boundary.identity, input: JSONText(bytes[...]))
        }
        switch (read, pushed) {
        case (.success(let value), .success(let back?)):
            expectIdentical(back, value, "JSON text pushed into Lua and read back", input: bytes)
        case (.success(let value), .success(nil)):
            failure("JSON text pushed into Lua came back as nil, the reader read \(value)", input: bytes)
        case (.success(let value), .failure(let error)):
            failure("the reader read \(value), the push into Lua failed: \(error)", input: bytes)
        case (.failure(let error), .success(let back)):
            failure("the reader refused (\(error)), the push into Lua gave \(String(describing: back))", input: bytes)
        case (.failure, .failure(let error)):
            if error.kind != .conversion {
                failure("invalid JSON failed the push into Lua as \(error.kind), not as a conversion: \(error)", input: bytes)
            }
            return
        }
        guard case .success(let value) = read else { return }
        for writer in [JSONWriter(), JSONWriter(sortedKeys: true), JSONWriter(pretty: true)] {
            rewrite(value, with: writer, input: bytes)
        }
        var text = JSONTextBuffer()
        let result = Result { () throws(LuaError) in
            try boundary.state.callTransform(boundary.identity, input: JSONText(bytes[...]), text: &text)
        }
        switch result {
        case .success(.text(let range)):
            let written = text.bytes(from: range.lowerBound)
            expectRereads(written, as: value, "a record written to JSON text by the Lua state", input: bytes)
        case .success(.data(let back)):
            expectIdentical(back, value, "a value decoded into Lua, converted back to data", input: bytes)
        case .success(.none):
            failure("JSON text pushed into Lua came back as nothing", input: bytes)
        case .failure(let error):
            failure("JSON text the reader accepted failed the transform call: \(error)", input: bytes)
        }
    }

    private func rewrite(_ value: DataValue, with writer: JSONWriter, input: [UInt8]) {
        do {
            let written = try writer.bytes(value)
            expectRereads(written, as: value, "JSONWriter's output (sorted: \(writer.sortedKeys), pretty: \(writer.pretty))", input: input)
        } catch {
            // Everything the reader reads has a JSON form (no NaN, no bytes).
            failure("JSONWriter refused a value the reader read: \(error)", input: input)
        }
    }

    private func expectRereads(_ written: [UInt8], as value: DataValue, _ what: String, input: [UInt8]) {
        do {
            let again = try JSONReader(maxDepth: boundary.maxDepth).read(written)
            expectIdentical(again, value, "\(what), read again", input: input)
        } catch {
            failure("\(what) does not read again: \(error); text: \(escaped(written))", input: input)
        }
    }
}
