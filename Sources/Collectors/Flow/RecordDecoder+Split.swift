import CollectorValues

extension RecordDecoder {
    /// The elements of the array at `split` in a decoded payload, one result
    /// each; a payload that is not JSON, or whose path is missing or holds no
    /// array, is one failure naming the path.
    static func split(_ decoded: Result<DataValue, ErrorInfo>, at split: JSONSplit) -> [Result<DataValue, ErrorInfo>] {
        guard case .success(var value) = decoded else { return [decoded] }
        var walked: [String] = []
        for key in split.path {
            walked.append(key)
            guard case .object(let object) = value else {
                return [.failure(splitError("split path '\(split.description)': '\(walked.dropLast().joined(separator: "."))' is \(Self.kind(value)), not an object", split))]
            }
            guard let next = object[key] else {
                return [.failure(splitError("split path '\(split.description)': the payload has no '\(walked.joined(separator: "."))'", split))]
            }
            value = next
        }
        guard case .array(let elements) = value else {
            return [.failure(splitError("split path '\(split.description)' is \(Self.kind(value)), not an array", split))]
        }
        return elements.map { .success($0) }
    }

    private static func kind(_ value: DataValue) -> String {
        switch value {
        case .object: return "an object"
        case .array: return "an array"
        case .null: return "null"
        case .integer: return "an integer"
        default: return "a \(value.typeName)"
        }
    }

    private static func splitError(_ message: String, _ split: JSONSplit) -> ErrorInfo {
        ErrorInfo(
            .validation, layer: .processing, operation: ErrorOperation.decode.rawValue, message: message,
            details: ["split": .string(split.description)])
    }
}
