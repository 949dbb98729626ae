/// The outcome of one test of a processor.
public struct ProcessorTestCase: Sendable, Hashable {
    public var name: String
    /// Why it failed, one line per difference or error; empty when it passed.
    public var failure: [String]
    /// `file:line` of the failing assertion, when Lua said it.
    public var location: String?

    public init(name: String, failure: [String] = [], location: String? = nil) {
        self.name = name
        self.failure = failure
        self.location = location
    }

    public var passed: Bool { failure.isEmpty }
}

/// The tests of one file: a processor module's inline tests, or a `*_test.lua` file.
public struct ProcessorTestFile: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// The `tests` table of a processor module.
        case inline
        /// A `*_test.lua` file of `test(name, fn)` calls.
        case testFile = "test file"
    }

    public var path: String
    public var kind: Kind
    public var cases: [ProcessorTestCase]
    /// Set when the file could not be loaded (its tests did not run).
    public var loadError: String?

    public init(path: String, kind: Kind, cases: [ProcessorTestCase] = [], loadError: String? = nil) {
        self.path = path
        self.kind = kind
        self.cases = cases
        self.loadError = loadError
    }

    public var passed: Int { cases.filter(\.passed).count }
    public var failed: Int { cases.count - passed }

    /// The first failing test as one line, for a reload's log.
    var firstFailure: String? {
        if let loadError { return loadError }
        guard let failing = cases.first(where: { !$0.passed }) else { return nil }
        return "\(kind == .inline ? "inline test" : "test") '\(failing.name)' failed: " + failing.failure.joined(separator: "; ")
    }
}
