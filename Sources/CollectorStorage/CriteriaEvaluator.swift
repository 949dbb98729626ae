import Collectors
import CollectorValues

/// Applies `QueryCriteria` to records held in Swift (memory, JSON-lines files),
/// with the same rules the SQL backends apply in SQL:
///
/// - a filter matches when the field is present and equal to the filter value;
///   numbers compare as numbers (`1` equals `1.0`), but a number never equals a
///   string (`1` does not match `"1"`), and `null` matches only a field that is
///   `null` (not a missing one);
/// - sorting puts missing and `null` first, then booleans, numbers, strings
///   (by their UTF-8 bytes), arrays and objects; equal keys keep their stored order;
/// - then `offset` records are skipped and at most `limit` returned.
enum CriteriaEvaluator {
    static func matches(_ record: DataValue, _ filters: DataObject) -> Bool {
        if filters.isEmpty { return true }
        guard case .object(let object) = record else { return false }
        for (field, expected) in filters {
            guard let actual = object[field], scalarEquals(actual, expected) else { return false }
        }
        return true
    }

    static func scalarEquals(_ a: DataValue, _ b: DataValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .double(let y)), (.double(let y), .integer(let x)):
            return integerEquals(x, y)
        default:
            return a == b
        }
    }

    /// Exact: `Double(x) == y` would call 2^53 + 1 equal to 2^53.
    private static func integerEquals(_ x: Int64, _ y: Double) -> Bool {
        guard y.rounded(.towardZero) == y, y >= -9.223372036854775808e18, y < 9.223372036854775808e18 else {
            return false
        }
        return Int64(y) == x
    }

    /// Sorts `(key, record)` pairs already in stored order; stable.
    static func apply<Item>(_ criteria: QueryCriteria, to items: [Item], record: (Item) -> DataValue) -> [DataValue] {
        var selected = items.lazy.map(record).filter { matches($0, criteria.filters) }.map { $0 } as [DataValue]
        if let sortBy = criteria.sortBy {
            let descending = criteria.sortDirection == .descending
            // Decorate with the position so equal keys keep their order whichever the direction.
            let decorated = selected.enumerated().map { (position: $0.offset, key: $0.element[sortBy], record: $0.element) }
            selected = decorated.sorted { lhs, rhs in
                let order = compare(lhs.key, rhs.key)
                if order != 0 { return descending ? order > 0 : order < 0 }
                return lhs.position < rhs.position
            }.map(\.record)
        }
        let start = min(criteria.offset, selected.count)
        // Compared before adding: `start + limit` overflows for a limit near Int.max.
        let end = criteria.limit.map { start + min($0, selected.count - start) } ?? selected.count
        return Array(selected[start..<end])
    }

    /// -1, 0 or 1.
    static func compare(_ a: DataValue?, _ b: DataValue?) -> Int {
        let (ra, rb) = (rank(a), rank(b))
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.bool(let x)?, .bool(let y)?): return x == y ? 0 : (!x ? -1 : 1)
        case (.integer(let x)?, .integer(let y)?): return x == y ? 0 : (x < y ? -1 : 1)
        case (let x?, let y?) where ra == 2:
            let (dx, dy) = (x.numberValue ?? 0, y.numberValue ?? 0)
            return dx == dy ? 0 : (dx < dy ? -1 : 1)
        case (let x?, let y?) where ra == 3:
            let (bx, by) = (bytes(x), bytes(y))
            return bx.lexicographicallyPrecedes(by) ? -1 : (bx == by ? 0 : 1)
        default: return 0
        }
    }

    private static func rank(_ value: DataValue?) -> Int {
        switch value {
        case nil, .null?: 0
        case .bool?: 1
        case .integer?, .double?: 2
        case .string?, .bytes?: 3
        case .array?: 4
        case .object?: 5
        }
    }

    private static func bytes(_ value: DataValue) -> [UInt8] {
        switch value {
        case .string(let s): Array(s.utf8)
        case .bytes(let b): b
        default: []
        }
    }
}
