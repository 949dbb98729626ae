// collector: runs DataCollector's Lua scripts.
import Foundation

let version = "0.1.0"

let usage = """
    usage: collector <command> [options]

    commands:
      run SCRIPT.lua [ARGS...]   run a pipeline script (see `collector run --help`)
      check SCRIPT.lua           load a script and build its pipelines without running them
      replay DEAD.jsonl SCRIPT.lua  feed a dead-letter file's records through a pipeline again
                                 (see `collector replay --help`)
      repl [SCRIPT.lua]          an interactive Lua session (reads stdin when it is not a terminal;
                                 see `collector repl --help`)
      test [options] PATH...     run processors' inline tests and *_test.lua files
      cluster status URL         the members, leases and lag of a cluster (`collector run --cluster`)
      docs [--update DIR]        the sources' and backends' option tables (from their schemas)
      dev kafka [--topic T]      a mock Kafka cluster on 127.0.0.1 for trying scripts (see `collector dev --help`)
      completion SHELL           print a completion script for bash, zsh or fish
      man                        print the manual page (roff; `collector man --help` says how to install it)
      help [COMMAND]             show this help, or COMMAND's (`collector help run`)

    options:
      -h, --help                 show help
      -V, --version              print the version

    exit codes: 0 success, 1 runtime failure, 2 usage or script error,
    3 records left in the spool (replayed by the next run)
    """

// A reader that has gone (`collector run x.lua | head`) makes writes to
// standard output fail with EPIPE, which the engine reports, instead of
// ending the process with SIGPIPE. Blocked, not ignored: threads started
// from here inherit the mask, while programs the collector starts
// (`source.command`) are spawned with an empty mask and the default
// disposition, as a shell would start them.
var blockedSignals = sigset_t()
sigemptyset(&blockedSignals)
sigaddset(&blockedSignals, SIGPIPE)
pthread_sigmask(SIG_BLOCK, &blockedSignals, nil)

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else {
    FileHandle.standardError.write(Data("collector: no command given (collector --help for help)\n".utf8))
    exit(2)
}
arguments.removeFirst()

switch command {
case "run":
    exit(RunCommand(arguments: arguments).execute())
case "check":
    exit(RunCommand(arguments: arguments, checkOnly: true).execute())
case "replay":
    exit(ReplayCommand(arguments: arguments).execute())
case "repl":
    exit(ReplCommand(arguments: arguments).execute())
case "test":
    exit(TestCommand(arguments: arguments).execute())
case "cluster":
    exit(ClusterCommand(arguments: arguments).execute())
case "docs":
    exit(DocsCommand(arguments: arguments).execute())
case "dev":
    exit(DevCommand(arguments: arguments).execute())
case "completion":
    exit(CompletionCommand(arguments: arguments).execute())
case "man":
    exit(ManCommand(arguments: arguments).execute())
case "help", "-h", "--help":
    exit(showHelp(of: arguments))
case "--version", "-V", "version":
    print("collector \(version)")
default:
    FileHandle.standardError.write(Data("collector: unknown command '\(command)' (collector --help for help)\n".utf8))
    exit(2)
}

/// `collector help [COMMAND]`: a command's own help, as `collector COMMAND --help` prints it.
@MainActor
func showHelp(of arguments: [String]) -> Int32 {
    guard let topic = arguments.first else {
        print(usage)
        return 0
    }
    guard arguments.count == 1 else {
        fail("help: one command at most, got \(arguments.map { "'\($0)'" }.joined(separator: " ")) (collector --help for help)")
        return 2
    }
    guard let command = CommandCatalog.command(named: topic == "-h" || topic == "--help" ? "help" : topic == "-V" || topic == "--version" ? "version" : topic) else {
        fail("help: unknown command '\(topic)' (commands: \(CommandCatalog.all.map(\.name).joined(separator: ", ")); collector --help for help)")
        return 2
    }
    print(command.help)
    return 0
}
