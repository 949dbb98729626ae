import CollectorValues

extension RecordDecoder {
    /// Parses one JSON document straight into a `DataValue` (no Foundation objects).
    static func json(_ bytes: ArraySlice<UInt8>) -> Result<DataValue, ErrorInfo> {
        do {
            return .success(try JSONReader().read(bytes))
        } catch {
            var details: DataObject = ["json_error": .string(error.kind.rawValue)]
            if let offset = error.offset { details["offset"] = .integer(Int64(offset)) }
            if let line = error.line { details["line"] = .integer(Int64(line)) }
            if let column = error.column { details["column"] = .integer(Int64(column)) }
            return .failure(
                ErrorInfo(
                    .validation, layer: .processing, operation: "decode", message: error.description, details: details))
        }
    }
}
