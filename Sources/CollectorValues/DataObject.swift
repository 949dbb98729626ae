/// An object's fields in insertion order.
///
/// Records are small (a handful of fields), where a linear scan over one
/// contiguous array beats hashing; keys are unique (setting an existing key
/// replaces its value in place and keeps its position).
public struct DataObject: Sendable, Hashable {
    public typealias Entry = (key: String, value: DataValue)

    @usableFromInline var keys: [String]
    @usableFromInline var values: [DataValue]

    public init() {
        keys = []
        values = []
    }

    /// Creates an object with room for `capacity` fields.
    public init(minimumCapacity capacity: Int) {
        keys = []
        values = []
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    /// Creates an object from key-value pairs; a later duplicate key replaces an earlier one.
    public init(_ entries: some Sequence<(String, DataValue)>) {
        self.init()
        for (key, value) in entries { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    @inlinable
    public func index(forKey key: String) -> Int? {
        keys.firstIndex(of: key)
    }

    /// The value for `key`; assigning `nil` removes the field.
    public subscript(key: String) -> DataValue? {
        get { index(forKey: key).map { values[$0] } }
        set {
            if let i = index(forKey: key) {
                if let newValue { values[i] = newValue } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// Appends a field without checking for an existing key: for decoders
    /// that have already ruled duplicates out.
    @inlinable
    public mutating func appendUnchecked(key: String, value: DataValue) {
        keys.append(key)
        values.append(value)
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> DataValue? {
        guard let i = index(forKey: key) else { return nil }
        keys.remove(at: i)
        return values.remove(at: i)
    }

    public var fieldNames: [String] { keys }

    public static func == (lhs: DataObject, rhs: DataObject) -> Bool {
        lhs.keys == rhs.keys && lhs.values == rhs.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        hasher.combine(values)
    }
}

extension DataObject: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> Entry { (keys[position], values[position]) }
}

extension DataObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, DataValue)...) {
        self.init(elements)
    }
}
