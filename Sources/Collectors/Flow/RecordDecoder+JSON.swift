import CollectorValues

extension RecordDecoder {
    /// Parses one JSON document straight into a `DataValue` (no Foundation
    /// objects); an error counts lines from `firstLine` (where the document
    /// starts in its source) when given.
    static func json(_ bytes: ArraySlice<UInt8>, firstLine: Int? = nil) -> Result<DataValue, ErrorInfo> {
        do {
            return .success(try JSONReader().read(bytes))
        } catch {
            return .failure(ErrorInfo.decoding(firstLine.map { error.located(atLine: $0) } ?? error))
        }
    }
}

extension ErrorInfo {
    /// A record that is not valid JSON: a `.validation` error of the `decode`
    /// operation, with the reader's message and where in the text it failed.
    public static func decoding(_ error: JSONError) -> ErrorInfo {
        var details: DataObject = ["json_error": .string(error.kind.rawValue)]
        if let offset = error.offset { details["offset"] = .integer(Int64(offset)) }
        if let line = error.line { details["line"] = .integer(Int64(line)) }
        if let column = error.column { details["column"] = .integer(Int64(column)) }
        return ErrorInfo(.validation, layer: .processing, operation: "decode", message: error.description, details: details)
    }
}
