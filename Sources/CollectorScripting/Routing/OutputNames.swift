import CollectorValues

/// Output names as Lua gives them (`emit(t, "alerts")`, what a route
/// function returns): a name, a list of names, or nothing.
enum OutputNames {
    /// The names in `value`: a string is one, an array lists them, nil/null/false
    /// or an empty table none. `nil` (with `problem` set) for anything else.
    static func parse(_ value: DataValue?) -> Result<[String], Problem> {
        switch value {
        case .none, .null?, .bool(false)?:
            return .success([])
        case .string(let name)?:
            return name.isEmpty ? .failure(Problem("an empty output name")) : .success([name])
        case .array(let items)?:
            var names: [String] = []
            for item in items {
                guard case .string(let name) = item, !name.isEmpty else {
                    return .failure(Problem("a list with \(named(item.typeName)) in it (output names are non-empty strings)"))
                }
                if !names.contains(name) { names.append(name) }
            }
            return .success(names)
        case .object(let object)? where object.isEmpty:
            return .success([])
        case let other?:
            return .failure(Problem(named(other.typeName)))
        }
    }

    /// `an integer`, `a table`.
    private static func named(_ type: String) -> String {
        ("aeiou".contains(type.first ?? "x") ? "an " : "a ") + type
    }

    /// What was given instead of output names.
    struct Problem: Error {
        var what: String
        init(_ what: String) { self.what = what }
    }
}
