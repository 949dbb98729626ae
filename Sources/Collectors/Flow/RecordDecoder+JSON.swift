import CollectorValues

extension RecordDecoder {
    /// Parses one JSON document straight into a `DataValue` (no Foundation
    /// objects). An error is located in the document's source when that is
    /// known: by line from `firstLine`, else by byte from `startOffset`
    /// (`details.file_offset`).
    static func json(_ bytes: ArraySlice<UInt8>, firstLine: Int? = nil, startOffset: Int? = nil) -> Result<DataValue, ErrorInfo> {
        do {
            return .success(try JSONReader().read(bytes))
        } catch {
            if let firstLine { return .failure(ErrorInfo.decoding(error.located(atLine: firstLine))) }
            guard let startOffset, let offset = error.offset else { return .failure(ErrorInfo.decoding(error)) }
            var info = ErrorInfo.decoding(error)
            info.message += " (byte \(startOffset + offset) of the source)"
            info.details["file_offset"] = .integer(Int64(startOffset + offset))
            return .failure(info)
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
        return ErrorInfo(.validation, layer: .processing, operation: ErrorOperation.decode.rawValue, message: error.description, details: details)
    }
}
