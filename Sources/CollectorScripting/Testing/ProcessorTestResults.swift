/// The outcome of one test of a processor.
public struct ProcessorTestCase: Sendable, Hashable {
    /// The test's `name` (inline tests without one are `test N`).
    public var name: String
    /// Why it failed, one line per difference or error; empty when it passed.
    public var failure: [String]
    /// `file:line` of the failing assertion, when Lua said it.
    public var location: String?
    /// How long the test ran (its body, or its record through `process`).
    public var duration: Duration?

    public init(name: String, failure: [String] = [], location: String? = nil, duration: Duration? = nil) {
        self.name = name
        self.failure = failure
        self.location = location
        self.duration = duration
    }

    /// Whether it passed (no failure lines).
    public var passed: Bool { failure.isEmpty }
}

/// The tests of one file: a processor module's inline tests, or a `*_test.lua` file.
public struct ProcessorTestFile: Sendable, Hashable {
    /// Which of the two kinds of tests the file holds.
    public enum Kind: String, Sendable, Hashable {
        /// The `tests` table of a processor module.
        case inline
        /// A `*_test.lua` file of `test(name, fn)` calls.
        case testFile = "test file"
    }

    /// The file as it was given (a module's chunk name for tests run before a reload).
    public var path: String
    /// Which kind of tests the file holds.
    public var kind: Kind
    /// Each test, in the order it ran.
    public var cases: [ProcessorTestCase]
    /// Set when the file could not be loaded (its tests did not run).
    public var loadError: String?
    /// Tests whose name the runner's filter left out (not in `cases`).
    public var filteredOut = 0

    public init(path: String, kind: Kind, cases: [ProcessorTestCase] = [], loadError: String? = nil) {
        self.path = path
        self.kind = kind
        self.cases = cases
        self.loadError = loadError
    }

    /// How many of its tests passed, and failed.
    public var passed: Int { cases.filter(\.passed).count }
    public var failed: Int { cases.count - passed }

    /// The first failing test as one line, for a reload's log.
    var firstFailure: String? {
        if let loadError { return loadError }
        guard let failing = cases.first(where: { !$0.passed }) else { return nil }
        return "\(kind == .inline ? "inline test" : "test") '\(failing.name)' failed: " + failing.failure.joined(separator: "; ")
    }
}
