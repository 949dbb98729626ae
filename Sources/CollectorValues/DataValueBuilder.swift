/// Builds a `DataValue` from the parser's events.
///
/// Elements of open arrays and members of open objects wait on two shared
/// stacks; a closing bracket moves its container's share into an exactly
/// sized array. An object's member goes on the stack as soon as its key is
/// read (with a placeholder value), so the key is never copied.
struct DataValueBuilder: JSONBuilder, ~Copyable {
    /// The value completed last.
    private var value = DataValue.null
    /// Where each open container's elements (or members) start on their stack.
    private var starts: [Int] = []
    /// The hash indexes of open objects with many members, by their start.
    private var indexes: [Int: [FieldKey.Bytes: Int]] = [:]
    private var elements = MoveStack<DataValue>()
    private var members = MoveStack<DataObject.Entry>()

    /// The document's value, once the parse is complete.
    consuming func take() -> DataValue { value }

    /// The value completed last (a builder fed one value after another).
    var lastValue: DataValue { value }

    mutating func null() { value = .null }
    mutating func bool(_ value: Bool) { self.value = .bool(value) }
    mutating func integer(_ value: Int64) { self.value = .integer(value) }
    mutating func double(_ value: Double) { self.value = .double(value) }
    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) { value = .string(Self.string(bytes)) }

    mutating func beginObject() {
        if starts.capacity == 0 { starts.reserveCapacity(8) }
        starts.append(members.count)
    }

    mutating func key(_ bytes: UnsafeBufferPointer<UInt8>) {
        members.push((Self.string(bytes), .null))
    }

    mutating func endMember() {
        Self.setMember(value, start: starts[starts.count - 1], members: &members, indexes: &indexes)
    }

    mutating func endObject() {
        let start = starts.removeLast()
        if members.count - start >= indexThreshold { indexes[start] = nil }
        var object = DataObject()
        if members.count > start { object.entries = members.popArray(from: start) }
        value = .object(object)
    }

    mutating func beginArray() {
        if starts.capacity == 0 { starts.reserveCapacity(8) }
        starts.append(elements.count)
    }

    mutating func endElement() { elements.push(value) }

    mutating func endArray() {
        let start = starts.removeLast()
        value = .array(elements.count > start ? elements.popArray(from: start) : [])
    }

    /// The string of already validated bytes (a copy, plus the standard library's own check).
    @inline(__always)
    private static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            if let source = bytes.baseAddress {
                buffer.baseAddress.unsafelyUnwrapped.update(from: source, count: bytes.count)
            }
            return bytes.count
        }
    }

    /// Gives the member on top of the stack (its key just read, its value a
    /// placeholder) its value. The last value of a key wins, at the position
    /// of the key's first occurrence: a repeated key's top entry is dropped.
    @inline(__always)
    private static func setMember(
        _ value: consuming DataValue, start: Int,
        members: inout MoveStack<DataObject.Entry>, indexes: inout [Int: [FieldKey.Bytes: Int]]
    ) {
        let top = members.count - 1
        let entry = members.pointer(at: top)
        if top - start >= indexThreshold {
            if let i = indexes[start]![FieldKey.Bytes(entry.pointee.key)] {
                members.pointer(at: i).pointee.value = value
                members.removeLast()
            } else {
                indexes[start]![FieldKey.Bytes(entry.pointee.key)] = top
                entry.pointee.value = value
            }
            return
        }
        var i = start
        while i < top {
            let other = members.pointer(at: i)
            if FieldKey.same(other.pointee.key, entry.pointee.key) {
                other.pointee.value = value
                members.removeLast()
                return
            }
            i += 1
        }
        entry.pointee.value = value
        if members.count - start == indexThreshold {
            var index: [FieldKey.Bytes: Int] = [:]
            index.reserveCapacity(2 * indexThreshold)
            for i in start..<members.count { index[FieldKey.Bytes(members.pointer(at: i).pointee.key)] = i }
            indexes[start] = index
        }
    }

}

/// Objects with this many members get a hash index for duplicate checks
/// (smaller ones scan their keys, which is faster).
private let indexThreshold = 24

/// A stack that hands its top elements over to an exactly sized array by
/// moving them: no copies, retains or releases per element, and no generic
/// copy or destroy (an `Array` of tuples goes through the runtime's
/// value witnesses for those).
private struct MoveStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>?
    private(set) var count = 0
    private var capacity = 0

    init() {}

    deinit {
        if let base {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base.unsafelyUnwrapped + count).initialize(to: element)
        count += 1
    }

    /// The element at `i` (< count), in place.
    @inline(__always)
    func pointer(at i: Int) -> UnsafeMutablePointer<Element> {
        base.unsafelyUnwrapped + i
    }

    @inline(__always)
    mutating func removeLast() {
        count -= 1
        (base.unsafelyUnwrapped + count).deinitialize(count: 1)
    }

    /// Moves the elements from `start` to the top into a new array.
    mutating func popArray(from start: Int) -> [Element] {
        // (Not `Array(unsafeUninitializedCapacity:)`: it is not specialized
        // and looks up the array's generic metadata on every call.)
        var array: [Element] = []
        array.reserveCapacity(count - start)
        let source = base.unsafelyUnwrapped
        for i in start..<count { array.append((source + i).move()) }
        count = start
        return array
    }

    private mutating func grow() {
        let newCapacity = max(16, 2 * capacity)
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        if let base {
            newBase.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = newBase
        capacity = newCapacity
    }
}

