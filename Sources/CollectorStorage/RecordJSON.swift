import Collectors
import CollectorValues

/// The one place the storage targets call the JSON codec of CollectorValues
/// (`JSONWriter`, `JSONReader`), so each backend says what failed (which
/// record, which file) in its own words.
package enum RecordJSON {
    private static let writer = JSONWriter()
    private static let reader = JSONReader()

    /// Appends the compact JSON text of `value` to `buffer` (left as it was on error).
    package static func append(_ value: DataValue, to buffer: inout [UInt8]) throws(JSONError) {
        try writer.write(value, into: &buffer)
    }

    /// Appends the compact JSON text of `record`: its text as it is when it
    /// travels as text, else its value written.
    package static func append(_ record: Record, to buffer: inout [UInt8]) throws(JSONError) {
        if let text = record.jsonText {
            buffer.append(contentsOf: text)
        } else {
            try writer.write(record.value, into: &buffer)
        }
    }

    /// Decodes one complete JSON text (strict: nothing may follow the value).
    package static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError) -> DataValue {
        try reader.read(UnsafeRawBufferPointer(bytes))
    }
}
