import CollectorValues

/// What `process` may return, for a pipeline, inline tests and `run()` in
/// test files alike: a record (a table of fields), an array, a string (a
/// text output: a record of `format = "text"` passed on, a line made), or
/// nil (dropped). A number or a boolean is most likely a mistake
/// (`return r.value > 3`), so it fails the record, saying so.
enum ProcessOutput {
    /// Why `value` cannot be what `process` returns, or nil when it can.
    static func problem(with value: DataValue) -> String? {
        switch value {
        case .object, .array, .string: nil
        default: "process must return a record (a table), an array, a string or nil, got \(value.typeName)"
        }
    }

    /// Why `value` cannot be a test's input, or nil when it can (what a source gives: the same kinds).
    static func inputProblem(with value: DataValue) -> String? {
        switch value {
        case .object, .array, .string: nil
        default: "a record (a table), an array or a string expected, got \(value.typeName)"
        }
    }
}
