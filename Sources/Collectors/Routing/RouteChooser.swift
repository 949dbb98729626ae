/// Chooses the outputs of records by looking at them: a pipeline's `route` function.
public protocol RouteChooser: Sendable {
    /// One answer per record, in order: the output names (none: no output,
    /// so the default or unrouted), or why the record cannot be routed
    /// (the function failed, or answered something that is not names).
    func choose(_ records: [Record]) async -> [Result<[String], ErrorInfo>]
}
