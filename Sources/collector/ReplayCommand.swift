import CollectorScripting
import Collectors
import Foundation

/// `collector replay DEAD.jsonl SCRIPT.lua [--pipeline NAME] [options] [ARGS...]`:
/// feeds the records of a dead-letter file through a pipeline of the
/// script again, as `collector run` runs it, but with the dead letters for
/// its sources.
struct ReplayCommand {
    let arguments: [String]

    static let help = """
        usage: collector replay DEAD.jsonl SCRIPT.lua [--pipeline NAME] [options] [ARGS...]

        Feeds the records of a dead-letter file (what storage.jsonl writes as a
        pipeline's dead_letter) through a pipeline of SCRIPT.lua again: its
        processors, route and backends run as under `collector run`; its sources
        are not started. Each record keeps its source id, sequence, record id and
        collection time, so a backend that keeps record ids (SQLite, PostgreSQL)
        stores a record once however often it is replayed. A record that fails
        again goes to the pipeline's dead-letter destination again, its letter's
        `attempt` one more than the replayed letter's. A record the letter kept as
        {"base64": ...} (bytes that were not UTF-8 text) is replayed as those
        bytes, and usually fails again. A record id on several lines is replayed
        once (from its letter with the highest attempt). A letter of a record a
        backend refused (error.layer "storage") holds the record as the processors
        made it, and it goes through them again (a warning says how many).

        A file with a line that is not a dead letter is refused whole, naming
        the line: nothing is replayed (it may not be a dead-letter file at all).

        options:
          --pipeline NAME      the pipeline to feed (needed when the script has several)
          and the options of `collector run` (see `collector help run`), except --watch and --shadow

        exit status: as `collector run`: 0 every replayed record that left the
        processors was stored (those that failed again are in the dead-letter
        destination), 1 records were not stored or dead letters were lost,
        2 usage or script error, or a file that is not a dead-letter file,
        3 records are left in the spool
        """

    func execute() -> Int32 {
        var rest: [String] = []
        var deadLetters: String?
        var pipeline: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                rest += arguments[index...]
                break
            }
            switch argument {
            case "-h", "--help":
                print(Self.help)
                return 0
            case "--pipeline":
                index += 1
                guard index < arguments.count, !arguments[index].isEmpty else {
                    return usage("--pipeline needs a pipeline's name")
                }
                pipeline = arguments[index]
            case "--watch":
                return usage("--watch does not apply: a replay ends when its dead letters have been fed")
            default:
                if deadLetters == nil, !argument.hasPrefix("-") {
                    deadLetters = argument
                } else {
                    rest.append(argument)
                }
            }
            index += 1
        }
        guard let deadLetters else { return usage("missing the dead-letter file") }
        guard rest.contains(where: { !$0.hasPrefix("-") }) else { return usage("missing the script") }
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: deadLetters)))
        } catch {
            fail("replay: cannot read the dead-letter file \(deadLetters): \(error.localizedDescription)")
            return 2
        }
        let file = DeadLetterFile(bytes: bytes)
        if !file.badLines.isEmpty {
            let shown = file.badLines.prefix(5).map { "\(deadLetters):\($0.line): \($0.reason)" }
            let more = file.badLines.count > 5 ? " (and \(file.badLines.count - 5) more)" : ""
            fail(
                "replay: \(deadLetters) is refused, nothing was replayed: \(file.badLines.count) line\(file.badLines.count == 1 ? " is" : "s are") not a dead letter\(more):\n  "
                    + shown.joined(separator: "\n  "))
            return 2
        }
        let refused = file.entries.filter { $0.layer == "storage" }.count
        if refused > 0 {
            // Their records are what the processors made: fed to the processors again, not as collected.
            FileHandle.standardError.write(
                Data(
                    "collector: replay: \(refused) of the letters are records a backend refused, which the processors had made already; they go through the processors again\n"
                        .utf8))
        }
        return RunCommand(arguments: rest, replay: DeadLetterReplay(file: file, pipeline: pipeline)).execute()
    }

    private func usage(_ message: String) -> Int32 {
        fail("replay: \(message) (collector replay --help for help)")
        return 2
    }
}
