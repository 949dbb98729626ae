import CollectorStorage
import CollectorValues

/// Where `PostgresTable.appendRow` puts a row's values, one field after
/// another: the parameters of an `INSERT`, or the text of a `COPY`. Both take
/// the same values with the same rules, so a record refused by one is refused
/// by the other, with the same error.
protocol PostgresRowWriter {
    mutating func appendNull()
    /// Appends UTF-8 text; `false` (and nothing appended) when it holds a NUL,
    /// which PostgreSQL text cannot store.
    mutating func append(_ text: String) -> Bool
    mutating func append(_ value: Int64)
    /// Shortest text that reads back as the same double; PostgreSQL's names
    /// for the non-finite values.
    mutating func append(_ value: Double)
    /// Appends the compact JSON text of `value` (nothing appended on error).
    mutating func appendJSON(_ value: DataValue) throws
}

extension PostgresRowWriter {
    mutating func append(_ value: Double) {
        if value.isNaN {
            _ = append("NaN")
        } else if value.isInfinite {
            _ = append(value < 0 ? "-Infinity" : "Infinity")
        } else {
            _ = append(value.description)
        }
    }
}

/// The rows of a `COPY ... FROM STDIN` in PostgreSQL's text format: fields
/// separated by tabs, rows ended by a newline, `\N` for NULL, and a
/// backslash before the characters that would otherwise end a field or a
/// row (`\\`, `\t`, `\n`, `\r`). Everything else goes as it is, so the server
/// reads back exactly the text an `INSERT` parameter would have carried.
///
/// A JSON text never holds a raw control character (JSON escapes them) but
/// may hold backslashes (`\"`, `\n`, `\u0000`): those are doubled, and jsonb
/// then reads the escapes it would have read from a parameter, a refused
/// `\u0000` included.
struct PostgresCopyRows: PostgresRowWriter {
    private(set) var bytes: [UInt8] = []
    private var fieldsInRow = 0
    private var scratch: [UInt8] = []

    var isEmpty: Bool { bytes.isEmpty }

    /// Forgets the rows (after they are sent), keeping the memory.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        fieldsInRow = 0
    }

    mutating func endRow() {
        bytes.append(0x0A)
        fieldsInRow = 0
    }

    private mutating func startField() {
        if fieldsInRow > 0 { bytes.append(0x09) }
        fieldsInRow += 1
    }

    mutating func appendNull() {
        startField()
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "N"))
    }

    mutating func append(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 -> Bool in
            if utf8.contains(0) { return false }
            startField()
            Self.appendEscaped(utf8, to: &bytes)
            return true
        }
    }

    mutating func append(_ value: Int64) {
        startField()
        // Digits written backwards into a small stack buffer: no String per value.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var position = 20
            repeat {
                position -= 1
                digits[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[position...]))
        }
    }

    mutating func appendJSON(_ value: DataValue) throws {
        scratch.removeAll(keepingCapacity: true)
        try RecordJSON.append(value, to: &scratch)
        startField()
        scratch.withUnsafeBufferPointer { Self.appendEscaped($0, to: &bytes) }
    }

    /// The bytes with `\`, tab, newline and carriage return escaped; runs that
    /// need none are copied whole.
    static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        var run = 0
        for i in 0..<utf8.count {
            let byte = utf8[i]
            guard byte == UInt8(ascii: "\\") || byte < 0x0E else { continue }
            let escape: UInt8
            switch byte {
            case UInt8(ascii: "\\"): escape = UInt8(ascii: "\\")
            case 0x09: escape = UInt8(ascii: "t")
            case 0x0A: escape = UInt8(ascii: "n")
            case 0x0D: escape = UInt8(ascii: "r")
            default: continue
            }
            if i > run { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i])) }
            run = i + 1
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(escape)
        }
        if utf8.count > run { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...])) }
    }
}
