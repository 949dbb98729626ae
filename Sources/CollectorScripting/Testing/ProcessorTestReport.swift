import Foundation

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

    /// Tests the runner's filter left out, over all files.
    public var filteredOut: Int { files.reduce(0) { $0 + $1.filteredOut } }

    /// What a test runner prints, plain, without timings (see `lines(style:)`).
    public var lines: [String] { lines(style: Style()) }

    /// How `lines(style:)` shows a report.
    public struct Style: Sendable {
        /// ANSI colours: `ok` green, `FAIL` and `ERROR` red, timings dim.
        public var colors: Bool
        /// Each test's time after its name, and the run's in the summary.
        public var timings: Bool

        public init(colors: Bool = false, timings: Bool = false) {
            self.colors = colors
            self.timings = timings
        }
    }

    /// What a test runner prints: each file, each test's name and `ok` or
    /// `FAIL` with what differed, then a summary line.
    public func lines(style: Style) -> [String] {
        func paint(_ text: String, _ code: String) -> String { style.colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        func time(_ duration: Duration?) -> String {
            guard style.timings, let duration else { return "" }
            return " " + paint("(\(Self.format(duration)))", "2")
        }
        var lines: [String] = []
        // A file none of whose tests the filter took is left out.
        let shown = files.filter { !($0.cases.isEmpty && $0.filteredOut > 0 && $0.loadError == nil) }
        for file in shown {
            lines.append(file.kind == .inline ? "\(file.path) (inline tests)" : file.path)
            if let loadError = file.loadError {
                let message = loadError.split(separator: "\n", omittingEmptySubsequences: false)
                lines.append("  " + paint("ERROR", "1;31") + " " + (message.first.map(String.init) ?? ""))
                lines += message.dropFirst().map { "        " + $0 }
                continue
            }
            if file.cases.isEmpty { lines.append("  (no tests)") }
            for test in file.cases {
                if test.passed {
                    lines.append("  " + paint("ok", "32") + "    \(test.name)" + time(test.duration))
                    continue
                }
                lines.append("  " + paint("FAIL", "1;31") + "  \(test.name)" + (test.location.map { " (\($0))" } ?? "") + time(test.duration))
                lines += test.failure.map { "        " + $0 }
            }
        }
        let total = passed + failed
        var summary = "\(total) test\(total == 1 ? "" : "s") in \(shown.count) file\(shown.count == 1 ? "" : "s"): \(passed) passed, \(failed) failed"
        if filteredOut > 0 { summary += ", \(filteredOut) left out by the filter" }
        if broken > 0 { summary += "; \(broken) file\(broken == 1 ? "" : "s") did not load" }
        let all = files.flatMap(\.cases).compactMap(\.duration).reduce(Duration.zero, +)
        lines.append("")
        lines.append(paint(summary, failed > 0 || broken > 0 ? "31" : "32") + time(all))
        return lines
    }

    /// `40 µs`, `2.5 ms`, `12 ms`, `1.25 s`: three digits at most.
    static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        if seconds >= 1 { return String(format: "%.2f s", seconds) }
        if seconds >= 0.01 { return String(format: "%.0f ms", seconds * 1e3) }
        if seconds >= 0.001 { return String(format: "%.1f ms", seconds * 1e3) }
        return String(format: "%.0f µs", seconds * 1e6)
    }
}
