/// How deeply arrays and objects may nest in a record: one limit for every
/// path a record takes (JSON read natively or decoded into Lua, Lua tables
/// converted to data, JSON written), so that a document is accepted on all
/// of them or refused on all of them, and whatever was stored reads back.
public enum DataNesting {
    /// The deepest nesting of arrays and objects accepted; a scalar is depth 0,
    /// `[]` and `{}` are depth 1.
    public static let maxDepth = 512
}
