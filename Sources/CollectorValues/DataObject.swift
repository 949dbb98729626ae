/// An object's fields in insertion order.
///
/// Records are small (a handful of fields), where a linear scan over one
/// contiguous array beats hashing; keys are unique (setting an existing key
/// replaces its value in place and keeps its position). Keys compare byte
/// for byte (see `FieldKey`): canonically equivalent spellings are two keys.
public struct DataObject: Sendable, Hashable {
    public typealias Entry = (key: String, value: DataValue)

    @usableFromInline var entries: [Entry]

    public init() {
        entries = []
    }

    /// Creates an object with room for `capacity` fields.
    public init(minimumCapacity capacity: Int) {
        entries = []
        entries.reserveCapacity(capacity)
    }

    /// Creates an object from key-value pairs; a later duplicate key replaces an earlier one.
    public init(_ entries: some Sequence<(String, DataValue)>) {
        self.init()
        for (key, value) in entries { self[key] = value }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    @inlinable
    public func index(forKey key: String) -> Int? {
        entries.firstIndex { FieldKey.same($0.key, key) }
    }

    /// The value for `key`; assigning `nil` removes the field.
    public subscript(key: String) -> DataValue? {
        get { index(forKey: key).map { entries[$0].value } }
        set {
            if let i = index(forKey: key) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    /// Appends a field without checking for an existing key: for decoders
    /// that have already ruled duplicates out.
    @inlinable
    public mutating func appendUnchecked(key: String, value: DataValue) {
        entries.append((key, value))
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> DataValue? {
        guard let i = index(forKey: key) else { return nil }
        return entries.remove(at: i).value
    }

    public var fieldNames: [String] { entries.map(\.key) }

    /// Objects are equal when they have the same fields with equal values,
    /// in any order: JSON objects are unordered (and Lua tables keep no
    /// order), the kept order is a courtesy for output.
    public static func == (lhs: DataObject, rhs: DataObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.entries.elementsEqual(rhs.entries, by: { FieldKey.same($0.key, $1.key) && $0.value == $1.value }) { return true }
        return lhs.entries.allSatisfy { entry in rhs[entry.key] == entry.value }
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent, to agree with ==.
        var combined = 0
        for (key, value) in entries {
            var entryHasher = Hasher()
            entryHasher.combine(key)
            entryHasher.combine(value)
            combined ^= entryHasher.finalize()
        }
        hasher.combine(entries.count)
        hasher.combine(combined)
    }
}

extension DataObject: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }
    public subscript(position: Int) -> Entry { entries[position] }
}

extension DataObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, DataValue)...) {
        self.init(elements)
    }
}
