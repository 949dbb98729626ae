import CollectorValues

/// Reads CSV (RFC 4180) one line at a time: quoted fields may hold the
/// delimiter, doubled quotes and line ends (going on into the next lines);
/// the first row names the columns unless the options give them. A row that
/// cannot be read (text after a closing quote, a quoted field never closed,
/// a field count that differs from the columns') comes out as a bad row
/// with the line it started on, and reading goes on with the next line.
public struct CSVReader: Sendable {
    /// What one line completed.
    public enum Row: Sendable, Equatable {
        /// A record: the columns in order, and the line the row started on.
        case record(DataObject, line: Int)
        /// A row that could not be read: why, the line it started on, and its text.
        case bad(String, line: Int, text: [UInt8])
    }

    /// How many bytes a row may grow to while a quoted field is open: past
    /// it the quote is taken as never closed, rather than the rest of the
    /// input being read into one field.
    public static let maxRowBytes = 1 << 20

    private enum State { case fieldStart, unquoted, quoted, afterQuote }

    public let options: CSVOptions
    /// The column names, once known (given, or read from the header).
    public private(set) var columns: [String]?
    private var fields: [(bytes: [UInt8], quoted: Bool)] = []
    private var field: [UInt8] = []
    private var state = State.fieldStart
    private var startLine = 0
    private var raw: [UInt8] = []

    public init(_ options: CSVOptions) {
        self.options = options
        columns = options.columns
    }

    /// Whether a quoted field is open: the row goes on into the next line.
    public var isInsideRow: Bool { state == .quoted }

    /// Reads one line (without its line end); returns the row it completes,
    /// if any. Empty lines between rows are skipped.
    public mutating func read(line: some Collection<UInt8>, number: Int) -> Row? {
        if state == .quoted {
            field.append(UInt8(ascii: "\n"))
            raw.append(UInt8(ascii: "\n"))
        } else {
            if line.isEmpty { return nil }
            startLine = number
        }
        raw += line
        let delimiter = options.delimiter
        let quote = UInt8(ascii: "\"")
        var iterator = line.makeIterator()
        var pending = iterator.next()
        while let byte = pending {
            pending = iterator.next()
            switch state {
            case .fieldStart:
                if byte == quote {
                    state = .quoted
                } else if byte == delimiter {
                    endField(quoted: false)
                } else {
                    field.append(byte)
                    state = .unquoted
                }
            case .unquoted:
                // A quote inside an unquoted field is kept as it is, as most writers mean it.
                if byte == delimiter { endField(quoted: false) } else { field.append(byte) }
            case .quoted:
                if byte == quote {
                    if pending == quote {
                        field.append(quote)
                        pending = iterator.next()
                    } else {
                        state = .afterQuote
                    }
                } else {
                    field.append(byte)
                }
            case .afterQuote:
                guard byte == delimiter else {
                    let column = fields.count + 1
                    return fail("text after the closing quote of field \(column) (\"\(Character(Unicode.Scalar(byte)))\")")
                }
                endField(quoted: true)
            }
        }
        if state == .quoted {
            if raw.count > Self.maxRowBytes {
                return fail("quoted field \(fields.count + 1) is not closed within \(Self.maxRowBytes) bytes")
            }
            return nil
        }
        endField(quoted: state == .afterQuote)
        return row()
    }

    /// The end of the input: a quoted field still open is a bad row.
    public mutating func finish() -> Row? {
        guard state == .quoted else { return nil }
        return fail("quoted field \(fields.count + 1) is not closed before the end of the input")
    }

    /// Every row of a whole document, its first line numbered `firstLine`;
    /// `\n` and `\r\n` end lines.
    public mutating func rows(of text: ArraySlice<UInt8>, firstLine: Int = 1) -> [Row] {
        var rows: [Row] = []
        var start = text.startIndex
        var number = firstLine
        while start < text.endIndex {
            let newline = text[start...].firstIndex(of: UInt8(ascii: "\n")) ?? text.endIndex
            var end = newline
            if end > start, text[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if let row = read(line: text[start..<end], number: number) { rows.append(row) }
            start = newline == text.endIndex ? newline : newline + 1
            number += 1
        }
        if let row = finish() { rows.append(row) }
        return rows
    }

    private mutating func endField(quoted: Bool) {
        fields.append((field, quoted))
        field.removeAll(keepingCapacity: true)
        state = .fieldStart
    }

    private mutating func fail(_ reason: String) -> Row {
        let row = Row.bad("CSV line \(startLine): \(reason)", line: startLine, text: raw)
        reset()
        return row
    }

    private mutating func reset() {
        fields.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        raw.removeAll(keepingCapacity: true)
        state = .fieldStart
    }

    private mutating func row() -> Row? {
        defer { reset() }
        guard let columns else {
            columns = Self.header(fields.map { String(decoding: $0.bytes, as: UTF8.self) })
            return nil
        }
        guard fields.count == columns.count else {
            let names = columns.count <= 8 ? " (\(columns.joined(separator: ", ")))" : ""
            return .bad(
                "CSV line \(startLine): \(fields.count) field\(fields.count == 1 ? "" : "s") where there are \(columns.count) columns\(names)",
                line: startLine, text: raw)
        }
        var object = DataObject(minimumCapacity: columns.count)
        for (name, field) in zip(columns, fields) {
            object[name] = options.types && !field.quoted ? Self.typed(field.bytes) : .string(String(decoding: field.bytes, as: UTF8.self))
        }
        return .record(object, line: startLine)
    }

    /// Header names as keys: an empty one becomes `column_N` (N counting
    /// from 1), a repeated one gets `_2`, `_3` ... so that no field is lost.
    static func header(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.enumerated().map { index, name in
            var key = name.isEmpty ? "column_\(index + 1)" : name
            var suffix = 2
            while seen.contains(key) {
                key = "\(name.isEmpty ? "column_\(index + 1)" : name)_\(suffix)"
                suffix += 1
            }
            seen.insert(key)
            return key
        }
    }

    /// An unquoted field typed: `true`/`false`, an integer (without leading
    /// zeros, which identifiers keep as text), a decimal number, null when
    /// empty; anything else stays a string.
    static func typed(_ bytes: [UInt8]) -> DataValue {
        if bytes.isEmpty { return .null }
        let text = String(decoding: bytes, as: UTF8.self)
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        let digits = bytes.drop { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }
        guard bytes.count - digits.count <= 1, let first = digits.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) || first == UInt8(ascii: ".")
        else { return .string(text) }
        if digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            if digits.count > 1, first == UInt8(ascii: "0") { return .string(text) }
            return Int64(text).map(DataValue.integer) ?? .string(text)
        }
        let numeric = digits.allSatisfy {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e")
                || $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+")
        }
        guard numeric, let value = Double(text), value.isFinite else { return .string(text) }
        return .double(value)
    }
}
