import CollectorValues
import LuaRuntime

/// What any value must do crossing the Lua boundary:
/// - `DataValue` -> Lua -> `DataValue` gives the same value, bit for bit
///   (NaN payloads, `-0.0`, integers and floats apart, byte strings, empty
///   arrays and objects), when it is nested no deeper than the state's
///   `maxDataDepth` (a top-level scalar is depth 0, as for `JSONReader`);
///   deeper, it is refused with a conversion error;
/// - written to JSON text by the state (when it has a JSON form), or by
///   `JSONWriter`, it reads back as the same value; a value with no JSON form
///   is refused by the writer, never written wrong.
struct BoundaryChecks {
    let boundary: Boundary

    func check(_ value: DataValue) {
        let input = binaryDescription(value)
        let depth = nesting(value)
        do {
            let back = try boundary.state.callTransform(boundary.identity, value)
            if depth > boundary.maxDepth {
                failure("a value nested \(depth) deep passed into Lua, over the limit of \(boundary.maxDepth)", input: input)
            }
            guard let back else { failure("a value passed through Lua came back as nil: \(value)", input: input) }
            expectIdentical(back, value, "a value passed through Lua", input: input)
        } catch {
            let refusable = depth > boundary.maxDepth
            if refusable && error.kind == .conversion {
                writeAndReread(value, input: input)
                return
            }
            failure("a value nested \(depth) deep failed to pass through Lua: \(error); value: \(value)", input: input)
        }

        var text = JSONTextBuffer()
        do {
            switch try boundary.state.callTransform(boundary.identity, input: value, text: &text) {
            case .text(let range):
                let written = text.bytes(from: range.lowerBound)
                guard hasJSONForm(value) else {
                    failure("a value with no JSON form was written as \(escaped(written))", input: input)
                }
                rereads(written, as: value, "a record written to JSON text by the Lua state", input: input)
            case .data(let back):
                expectIdentical(back, value, "a value passed through Lua (no JSON form)", input: input)
            case .none:
                failure("a value passed through Lua came back as nothing: \(value)", input: input)
            }
        } catch {
            failure("a value failed the transform call: \(error); value: \(value)", input: input)
        }
        writeAndReread(value, input: input)
    }

    /// `JSONWriter` and `JSONReader` at their defaults (512 levels): what one writes the other reads.
    private func writeAndReread(_ value: DataValue, input: [UInt8]) {
        do {
            let written = try JSONWriter().bytes(value)
            guard hasJSONForm(value) else {
                failure("JSONWriter wrote a value with no JSON form as \(escaped(written))", input: input)
            }
            rereads(written, as: value, "JSONWriter's output", reader: JSONReader(), input: input)
        } catch {
            if hasJSONForm(value) { failure("JSONWriter refused \(value): \(error)", input: input) }
        }
    }

    private func rereads(
        _ written: [UInt8], as value: DataValue, _ what: String, reader: JSONReader? = nil, input: [UInt8]
    ) {
        do {
            let again = try (reader ?? JSONReader(maxDepth: boundary.maxDepth)).read(written)
            expectIdentical(again, value, "\(what), read again", input: input)
        } catch {
            failure("\(what) does not read again: \(error); text: \(escaped(written))", input: input)
        }
    }

    /// Finite numbers and UTF-8 strings only (keys are Swift strings already).
    private func hasJSONForm(_ value: DataValue) -> Bool {
        switch value {
        case .double(let d): d.isFinite
        case .bytes: false
        case .array(let items): items.allSatisfy(hasJSONForm)
        case .object(let object): object.allSatisfy { hasJSONForm($0.value) }
        case .null, .bool, .integer, .string: true
        }
    }

    /// How deeply containers nest: 0 for a scalar, 1 for `[]`.
    private func nesting(_ value: DataValue) -> Int {
        switch value {
        case .array(let items): 1 + (items.map(nesting).max() ?? 0)
        case .object(let object): 1 + (object.map { nesting($0.value) }.max() ?? 0)
        default: 0
        }
    }

    /// The value's description as bytes, to show with a failure.
    private func binaryDescription(_ value: DataValue) -> [UInt8] {
        Array("\(value)".utf8)
    }
}
