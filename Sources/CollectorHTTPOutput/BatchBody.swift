import CollectorValues
import Collectors

/// The body of one POST: a batch's records as NDJSON (one JSON object a
/// line) or as a JSON array. Records that travel as JSON text are copied as
/// they are; others are written once by `JSONWriter`.
enum BatchBody {
    /// Why a record could not be written (it cannot be JSON: too deep, a cycle …).
    struct Unencodable: Error {
        var index: Int
        var error: JSONError
    }

    static func make(_ records: [Record], format: HTTPStorage.Format) throws(Unencodable) -> [UInt8] {
        var body: [UInt8] = []
        let estimate = records.reduce(0) { $0 + ($1.jsonText?.count ?? 128) + 1 }
        body.reserveCapacity(estimate + 2)
        if format == .json { body.append(UInt8(ascii: "[")) }
        let writer = JSONWriter()
        for (index, record) in records.enumerated() {
            if format == .json, index > 0 { body.append(UInt8(ascii: ",")) }
            if let text = record.jsonText {
                body.append(contentsOf: text)
            } else {
                do {
                    try writer.write(record.value, into: &body)
                } catch {
                    throw Unencodable(index: index, error: error)
                }
            }
            if format == .ndjson { body.append(UInt8(ascii: "\n")) }
        }
        if format == .json { body.append(UInt8(ascii: "]")) }
        return body
    }
}
