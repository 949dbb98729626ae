/// How a pipeline chooses the outputs of a record no processor routed (see `RecordRouting`).
public enum RouteRule: Sendable {
    /// By the value of a top-level field, natively.
    case field(FieldRoute)
    /// By code that looks at each record (a Lua function).
    case chooser(any RouteChooser)

    /// The outputs the rule can name, when it knows them in advance (to check them up front).
    var namedOutputs: [String] {
        switch self {
        case .field(let field): field.namedOutputs
        case .chooser: []
        }
    }
}
