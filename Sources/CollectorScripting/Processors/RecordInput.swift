import Collectors
import CollectorValues
import LuaRuntime

/// A record on its way into a Lua state: JSON text (a document not decoded
/// yet, or a record that travels as text) is decoded straight into a table;
/// a value is pushed as one.
enum RecordInput: LuaPushable {
    case text(ArraySlice<UInt8>)
    case value(DataValue)

    init(_ record: Record) {
        if let text = record.jsonText {
            self = .text(text)
        } else {
            self = .value(record.value)
        }
    }

    func push(onto stack: LuaStack) throws(LuaError) {
        switch self {
        case .text(let bytes): try JSONText(bytes).push(onto: stack)
        case .value(let value): try value.push(onto: stack)
        }
    }
}
