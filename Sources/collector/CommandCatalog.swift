/// The commands of `collector`, each with a one-line summary and its help:
/// what `collector help COMMAND`, the man page and the shell completions
/// are made from.
enum CommandCatalog {
    struct Command {
        let name: String
        let summary: String
        let help: String
        /// The positional arguments are Lua scripts or files (completed as files).
        let takesFiles: Bool
    }

    static let versionHelp = "usage: collector -V (or --version, version)\n\nPrints the version."

    static let all: [Command] = [
        Command(name: "run", summary: "run a pipeline script", help: RunCommand.help, takesFiles: true),
        Command(name: "check", summary: "load a script and build its pipelines without running them", help: RunCommand.help, takesFiles: true),
        Command(name: "replay", summary: "feed a dead-letter file's records through a pipeline again", help: ReplayCommand.help, takesFiles: true),
        Command(name: "repl", summary: "an interactive Lua session with the whole engine", help: ReplCommand.help, takesFiles: true),
        Command(name: "test", summary: "run processors' inline tests and *_test.lua files", help: TestCommand.help, takesFiles: true),
        Command(name: "cluster", summary: "the members, leases and lag of a cluster of collectors", help: ClusterCommand.help, takesFiles: false),
        Command(name: "docs", summary: "the sources' and backends' option tables", help: DocsCommand.help, takesFiles: false),
        Command(name: "dev", summary: "local stand-ins of services for trying scripts (a mock Kafka cluster)", help: DevCommand.help, takesFiles: false),
        Command(name: "completion", summary: "print a completion script for bash, zsh or fish", help: CompletionCommand.help, takesFiles: false),
        Command(name: "man", summary: "print the manual page (roff)", help: ManCommand.help, takesFiles: false),
        Command(name: "help", summary: "show help, or a command's", help: usage, takesFiles: false),
        Command(name: "version", summary: "print the version", help: versionHelp, takesFiles: false),
    ]

    static func command(named name: String) -> Command? { all.first { $0.name == name } }
}
