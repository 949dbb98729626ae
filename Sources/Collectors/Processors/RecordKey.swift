import CollectorValues

/// The key of a record by some of its top-level fields, for processors that
/// keep state per key (`throttle`, `dedup`) or decide by it (`sample`): a
/// 128-bit hash of the fields' values, so that equal values make equal keys
/// (`1` and `1.0` stay apart, as everywhere in the engine) and a key costs
/// sixteen bytes however large the values. No fields: the whole record.
struct RecordKey: Sendable {
    let fields: [String]
    private let picker: JSONFieldPicker

    init(_ fields: [String]) {
        self.fields = fields
        picker = JSONFieldPicker(fields)
    }

    struct Value: Hashable, Sendable {
        let high: UInt64
        let low: UInt64
    }

    func key(of record: Record) -> Value {
        var bytes: [UInt8]
        if fields.isEmpty {
            bytes = record.jsonText.map(Array.init) ?? ((try? JSONWriter(sortedKeys: true).bytes(record.value)) ?? [])
        } else {
            bytes = []
            for value in record.fields(picker) {
                // A missing field and null are told apart.
                if let value { bytes += (try? JSONWriter(sortedKeys: true).bytes(value)) ?? [] } else { bytes.append(0) }
                bytes.append(0x1F)
            }
        }
        let (high, low) = bytes.withUnsafeBytes { Hash128.hash($0) }
        return Value(high: high, low: low)
    }
}
