/// The tests of several files, and how a test runner shows them.
public struct ProcessorTestReport: Sendable, Hashable {
    /// Each file, in the order it ran.
    public var files: [ProcessorTestFile]

    public init(files: [ProcessorTestFile]) {
        self.files = files
    }

    /// Tests that passed and failed, over all files.
    public var passed: Int { files.reduce(0) { $0 + $1.passed } }
    public var failed: Int { files.reduce(0) { $0 + $1.failed } }
    /// Files that did not load (their tests did not run).
    public var broken: Int { files.filter { $0.loadError != nil }.count }

    /// 0 when every test passed, 1 when one failed, 2 when a file did not load.
    public var exitStatus: Int32 { broken > 0 ? 2 : (failed > 0 ? 1 : 0) }

    /// What a test runner prints: each file, each test's name and `ok` or
    /// `FAIL` with what differed, then a summary line.
    public var lines: [String] {
        var lines: [String] = []
        for file in files {
            lines.append(file.kind == .inline ? "\(file.path) (inline tests)" : file.path)
            if let loadError = file.loadError {
                let message = loadError.split(separator: "\n", omittingEmptySubsequences: false)
                lines.append("  ERROR " + (message.first.map(String.init) ?? ""))
                lines += message.dropFirst().map { "        " + $0 }
                continue
            }
            if file.cases.isEmpty { lines.append("  (no tests)") }
            for test in file.cases {
                if test.passed {
                    lines.append("  ok    \(test.name)")
                    continue
                }
                lines.append("  FAIL  \(test.name)" + (test.location.map { " (\($0))" } ?? ""))
                lines += test.failure.map { "        " + $0 }
            }
        }
        let total = passed + failed
        var summary = "\(total) test\(total == 1 ? "" : "s") in \(files.count) file\(files.count == 1 ? "" : "s"): \(passed) passed, \(failed) failed"
        if broken > 0 { summary += "; \(broken) file\(broken == 1 ? "" : "s") did not load" }
        lines.append("")
        lines.append(summary)
        return lines
    }
}
