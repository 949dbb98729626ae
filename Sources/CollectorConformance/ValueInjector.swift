import CollectorValues
import Collectors

/// A processor that replaces each record `{"i": n}` with `values[n]`: how
/// the kit hands a backend values no JSON line could carry (a NaN, bytes).
struct ValueInjector: Processor {
    let name = "conformance-values"
    let values: [DataValue]

    func process(_ record: Record) async throws -> ProcessingResult {
        guard case .integer(let index)? = record.value["i"], values.indices.contains(Int(index)) else {
            return .failure(
                ErrorInfo(.processing, layer: .processing, operation: "process", message: "not a record of the kit: \(record.value)"))
        }
        return .success(record.with(value: values[Int(index)]))
    }
}

/// A source of one item: the lines `{"i":0}` … `{"i":count-1}`.
struct IndexSource: DataSource {
    let id = "conformance-index"
    let count: Int

    func connect() async throws {}
    func disconnect() async {}

    func collect() async throws -> CollectedData {
        let lines = (0..<count).map { "{\"i\":\($0)}" }.joined(separator: "\n")
        return CollectedData(
            sourceID: id, format: .jsonLines, method: CollectionMethod(rawValue: "conformance"), payload: Array(lines.utf8))
    }
}
