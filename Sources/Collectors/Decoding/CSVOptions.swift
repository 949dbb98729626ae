/// How `csv` items are read: the delimiter, where the column names come
/// from, whether numbers and booleans are typed, and whether the items are
/// the lines of one stream or each a whole document.
public struct CSVOptions: Sendable, Hashable {
    /// The byte between fields (`,` by default).
    public var delimiter: UInt8
    /// The column names; nil: the first row is the header.
    public var columns: [String]?
    /// Unquoted fields that read as integers, floats or `true`/`false` become
    /// those; an empty unquoted field becomes null. Off: every field is a string.
    public var types: Bool
    /// The items are consecutive lines of one stream (a file read by lines,
    /// stdin, a command's output): the header is read once per source, and a
    /// quoted field may go on into the next item. Else each item is a whole
    /// document with its own header.
    public var streamed: Bool

    public init(delimiter: UInt8 = UInt8(ascii: ","), columns: [String]? = nil, types: Bool = false, streamed: Bool = false) {
        self.delimiter = delimiter
        self.columns = columns
        self.types = types
        self.streamed = streamed
    }
}

/// Where the array to split a JSON payload into records is: the keys to
/// follow from the top (empty: the payload itself is the array).
public struct JSONSplit: Sendable, Hashable {
    public var path: [String]

    /// `"data.items"`: the keys separated by dots; `""` is the top level.
    public init(dotted: String) {
        path = dotted.isEmpty ? [] : dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// The path as the script gave it (`(top level)` for the payload itself).
    public var description: String { path.isEmpty ? "(top level)" : path.joined(separator: ".") }
}
