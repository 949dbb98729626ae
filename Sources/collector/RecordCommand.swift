import CollectorScripting
import Foundation

/// `collector test --record NAME SCRIPT.lua [--count N] [--out FILE]
/// [--overwrite] [run options] [ARGS...]`: runs the script as `collector run`
/// does until processor NAME has received N records, writes them as a golden
/// test file (as `p:record` does), then stops the pipelines.
struct RecordCommand {
    let arguments: [String]

    func execute() -> Int32 {
        if arguments.prefix(while: { $0 != "--" }).contains(where: { $0 == "-h" || $0 == "--help" }) {
            print(TestCommand.help)
            return 0
        }
        var name: String?
        var count = 50
        var out: String?
        var overwrite = false
        var rest: [String] = []
        var index = 0
        func usage(_ message: String) -> Int32 {
            fail("test: \(message) (collector test --help for help)")
            return 2
        }
        while index < arguments.count {
            var argument = arguments[index]
            var inline: String?
            // `--name=value` reads as `--name value`.
            if ["--record=", "--count=", "--out="].contains(where: { argument.hasPrefix($0) }), let equals = argument.firstIndex(of: "=") {
                inline = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            func value() -> String? {
                if let inline { return inline }
                index += 1
                return index < arguments.count ? arguments[index] : nil
            }
            if argument == "--" {
                rest += arguments[index...]
                break
            }
            switch argument {
            case "--record":
                guard let text = value(), !text.isEmpty, !text.hasPrefix("-") else { return usage("--record needs a processor's name") }
                name = text
            case "--count":
                let text = value() ?? ""
                guard let n = Int(text), n >= 1, n <= 1_000_000 else {
                    return usage("--count must be a whole number of records from 1 to 1000000, got '\(text)'")
                }
                count = n
            case "--out":
                guard let text = value(), !text.isEmpty else { return usage("--out needs a file name ending in _test.lua") }
                out = text
            case "--overwrite":
                overwrite = true
            case "--watch", "--shadow", "--filter", "--color", "--colour":
                return usage("\(argument) does not apply with --record")
            default:
                rest.append(argument)
            }
            index += 1
        }
        guard let name else { return usage("--record needs a processor's name") }
        if rest.first(where: { !$0.hasPrefix("-") }) == nil {
            return usage("--record needs the pipeline script to run (collector test --record \(name) SCRIPT.lua)")
        }
        let recording = GoldenRecording(processor: name, count: count, path: out, overwrite: overwrite)
        return RunCommand(arguments: rest, recording: recording).execute()
    }
}
