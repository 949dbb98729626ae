/// What the conformance kit found for one connector: one result per check,
/// in the order they ran. Assert on it from any test framework:
///
/// ```swift
/// let report = await SourceConformance(...).run()
/// #expect(report.failures.isEmpty, "\(report)")       // Swift Testing
/// XCTAssertTrue(report.failures.isEmpty, "\(report)")  // XCTest
/// ```
public struct ConformanceReport: Sendable, CustomStringConvertible {
    /// What was checked, such as `source 'file'`.
    public let subject: String
    public private(set) var results: [ConformanceResult]

    public init(subject: String, results: [ConformanceResult] = []) {
        self.subject = subject
        self.results = results
    }

    public var failures: [ConformanceResult] { results.filter(\.failed) }
    public var skipped: [ConformanceResult] { results.filter(\.skipped) }
    /// Whether no check failed (skipped checks do not fail a report).
    public var passed: Bool { failures.isEmpty }

    /// The result of the check named `name`, if it ran.
    public func result(_ name: String) -> ConformanceResult? { results.first { $0.name == name } }

    mutating func append(_ result: ConformanceResult) { results.append(result) }

    /// A summary line, then one line per check.
    public var description: String {
        let passedCount = results.filter(\.passed).count
        let header = "\(subject): \(passedCount) passed, \(failures.count) failed, \(skipped.count) skipped"
        return ([header] + results.map { "  \($0)" }).joined(separator: "\n")
    }
}
