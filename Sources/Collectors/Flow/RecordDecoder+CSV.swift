import CollectorValues

extension RecordDecoder {
    /// The rows of a `csv` item. A streamed source's items are its lines in
    /// order, read by one reader per source; any other item is a whole
    /// document with its own header.
    mutating func csvRows(_ item: CollectedData, firstLine: Int?) -> [CSVReader.Row] {
        let options = item.format.csv ?? CSVOptions()
        guard options.streamed else {
            var reader = CSVReader(options)
            return reader.rows(of: item.payload[...], firstLine: firstLine ?? 1)
        }
        var stream = csvStreams[item.sourceID] ?? (CSVReader(options), 0)
        defer { csvStreams[item.sourceID] = stream }
        var rows: [CSVReader.Row] = []
        var number = firstLine ?? (stream.lines + 1)
        var start = item.payload.startIndex
        let payload = item.payload
        // An item holds one line or several (each ended by `\\n`).
        repeat {
            let newline = payload[start...].firstIndex(of: UInt8(ascii: "\n")) ?? payload.endIndex
            var end = newline
            if end > start, payload[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if let row = stream.reader.read(line: payload[start..<end], number: number) { rows.append(row) }
            number += 1
            start = newline == payload.endIndex ? newline : newline + 1
        } while start < payload.endIndex
        stream.lines = number - 1
        return rows
    }

    /// The rows still open at the end of the sources' input (a quoted field
    /// never closed), as failed records, so that nothing read is lost.
    public mutating func finish() -> [Failure] {
        var failures: [Failure] = []
        for sourceID in csvStreams.keys.sorted() {
            guard var stream = csvStreams[sourceID], case .bad(let reason, let line, let text)? = stream.reader.finish() else { continue }
            csvStreams[sourceID] = stream
            let error = ErrorInfo(
                .validation, layer: .processing, operation: ErrorOperation.decode.rawValue, message: reason,
                details: ["line": .integer(Int64(line)), "source_id": .string(sourceID)])
            let record = Record(
                Self.text(text[...]), sourceID: sourceID, sequence: nextSequence(sourceID), collectedAt: .now,
                id: nextID())
            failures.append(Failure(record: record, error: error))
        }
        return failures
    }

    static func csvError(_ reason: String, line: Int, item: CollectedData) -> ErrorInfo {
        var details: DataObject = ["line": .integer(Int64(line))]
        if let path = item.metadata["path"] { details["path"] = path }
        return ErrorInfo(.validation, layer: .processing, operation: ErrorOperation.decode.rawValue, message: reason, details: details)
    }
}
