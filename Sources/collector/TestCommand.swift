import CollectorScripting
import Foundation

/// `collector test PATH...`: runs the tests of Lua processors (see docs/testing.md).
struct TestCommand {
    let arguments: [String]

    static let help = """
        usage: collector test PATH...

        Runs the tests of Lua processors. A processor module (FILE.lua) runs
        the inline tests of its `tests` table; a test file (NAME_test.lua)
        runs its test(name, fn) calls; a directory runs every *_test.lua file
        below it. Prints each test's name with ok or FAIL and what differed,
        then a summary line.

        Exit status: 0 when every test passed, 1 when a test failed, 2 for a
        usage error or a file that did not load.
        """

    func execute() -> Int32 {
        if arguments.contains("-h") || arguments.contains("--help") {
            print(Self.help)
            return 0
        }
        guard !arguments.isEmpty else {
            fail("test: no file or directory given (usage: collector test PATH...; collector test --help for help)")
            return 2
        }
        if let option = arguments.first(where: { $0.hasPrefix("-") }) {
            fail("test: unknown option '\(option)' (collector test --help for help)")
            return 2
        }
        do {
            let report = try ProcessorTestRunner().run(paths: arguments)
            for line in report.lines { print(line) }
            return report.exitStatus
        } catch {
            fail("test: \(error)")
            return 2
        }
    }
}
