/// `collector completion bash|zsh|fish`: a completion script for the shell,
/// made from the commands' help (see `HelpText`): commands, their options,
/// the values of options that list them, and file names.
struct CompletionCommand {
    let arguments: [String]

    static let help = """
        usage: collector completion SHELL

        Prints a completion script for SHELL (bash, zsh or fish): commands,
        their options, the values of --log-level, --log-format and --color,
        and file names. To install it:
          bash: collector completion bash > ~/.local/share/bash-completion/completions/collector
          zsh:  collector completion zsh > ~/.zfunc/_collector   (with fpath+=~/.zfunc before compinit)
          fish: collector completion fish > ~/.config/fish/completions/collector.fish
        """

    func execute() -> Int32 {
        if arguments.contains("-h") || arguments.contains("--help") {
            print(Self.help)
            return 0
        }
        guard arguments.count == 1, let shell = arguments.first else {
            fail("completion: name one shell: bash, zsh or fish (collector completion --help for help)")
            return 2
        }
        switch shell {
        case "bash": print(Self.bash(), terminator: "")
        case "zsh": print(Self.zsh(), terminator: "")
        case "fish": print(Self.fish(), terminator: "")
        default:
            fail("completion: unknown shell '\(shell)'; shells are: bash, zsh, fish")
            return 2
        }
        return 0
    }

    /// The options of a command, as its help lists them (`replay` takes `run`'s too).
    static func options(of command: CommandCatalog.Command) -> [HelpText.Option] {
        // `--` (the rest are the script's) is not an option to offer; replay does not watch files.
        var options = HelpText(command.help).options.filter { $0.flags != ["--"] }
        if command.name == "replay" {
            let own = Set(options.flatMap(\.flags))
            options += HelpText(RunCommand.help).options.filter {
                $0.flags != ["--"] && $0.flags[0] != "--watch" && !$0.flags[0].hasPrefix("--shadow") && own.isDisjoint(with: $0.flags)
            }
        }
        return options
    }

    private static let shells = ["bash", "zsh", "fish"]

    /// The words a command takes where others take files: a shell, a command, a service.
    static func positionalWords(of command: CommandCatalog.Command) -> [String] {
        switch command.name {
        case "completion": shells
        case "help": CommandCatalog.all.map(\.name)
        case "dev": ["kafka"]
        default: []
        }
    }

    static func bash() -> String {
        var cases = ""
        var valueCases = ""
        for command in CommandCatalog.all {
            let options = options(of: command)
            let flags = (options.flatMap(\.flags) + (options.contains { $0.flags.contains("--help") } ? [] : ["--help"])).joined(separator: " ")
            let words = positionalWords(of: command).joined(separator: " ")
            cases += "        \(command.name)) options=\"\(flags)\"; words=\"\(words)\"; files=\(command.takesFiles ? 1 : 0) ;;\n"
            for option in options where HelpText.values(of: option) != nil || HelpText.takesFile(option) {
                let pattern = option.flags.joined(separator: "|")
                if !valueCases.contains("        \(pattern))") {
                    let reply = HelpText.values(of: option).map { "COMPREPLY=($(compgen -W \"\($0.joined(separator: " "))\" -- \"$cur\"))" }
                        ?? "COMPREPLY=($(compgen -f -- \"$cur\"))"
                    valueCases += "        \(pattern)) \(reply); return ;;\n"
                }
            }
        }
        return """
            # bash completion for collector (collector completion bash)
            _collector() {
                local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
                local options words files
                if [[ $COMP_CWORD -eq 1 ]]; then
                    COMPREPLY=($(compgen -W "\(CommandCatalog.all.map(\.name).joined(separator: " ")) --help --version -V" -- "$cur"))
                    return
                fi
                case "$prev" in
            \(valueCases)    esac
                case "${COMP_WORDS[1]}" in
            \(cases)        *) return ;;
                esac
                if [[ $cur == -* ]]; then
                    COMPREPLY=($(compgen -W "$options" -- "$cur"))
                elif [[ -n $words ]]; then
                    COMPREPLY=($(compgen -W "$words" -- "$cur"))
                elif [[ $files -eq 1 ]]; then
                    COMPREPLY=($(compgen -f -- "$cur"))
                fi
            }
            complete -o filenames -o bashdefault -F _collector collector

            """
    }

    /// Text for a zsh `_arguments` description: no brackets or colons.
    private static func zshText(_ text: String) -> String {
        let short = text.split(separator: ";").first.map(String.init) ?? text
        return short.replacingOccurrences(of: "[", with: "(").replacingOccurrences(of: "]", with: ")")
            .replacingOccurrences(of: ":", with: " ").replacingOccurrences(of: "'", with: "")
    }

    static func zsh() -> String {
        let commands = CommandCatalog.all.map { "        '\($0.name):\(zshText($0.summary))'" }.joined(separator: "\n")
        var cases = ""
        for command in CommandCatalog.all {
            var specs: [String] = []
            for option in options(of: command) {
                let description = zshText(option.description)
                var action = ""
                if let argument = option.argument {
                    let name = zshText(argument)
                    if let values = HelpText.values(of: option) {
                        action = ":\(name):(\(values.joined(separator: " ")))"
                    } else {
                        action = ":\(name):" + (HelpText.takesFile(option) ? "_files" : " ")
                    }
                }
                if option.flags.count == 1 {
                    specs.append("'\(option.flags[0])[\(description)]\(action)'")
                } else {
                    let all = option.flags.joined(separator: " ")
                    specs.append("'(\(all))'{\(option.flags.joined(separator: ","))}'[\(description)]\(action)'")
                }
            }
            let words = positionalWords(of: command)
            if !words.isEmpty {
                specs.append("':argument:(\(words.joined(separator: " ")))'")
            } else if command.takesFiles {
                specs.append("'*:file:_files'")
            }
            cases += "        \(command.name))\n            _arguments \(specs.joined(separator: " \\\n                "))\n            ;;\n"
        }
        return """
            #compdef collector
            # zsh completion for collector (collector completion zsh)
            _collector() {
                local -a commands
                commands=(
            \(commands)
                )
                if (( CURRENT == 2 )); then
                    _describe 'command' commands
                    return
                fi
                local command=$words[2]
                shift words
                (( CURRENT-- ))
                case $command in
            \(cases)    esac
            }
            _collector "$@"

            """
    }

    private static func fishText(_ text: String) -> String {
        let short = text.split(separator: ";").first.map(String.init) ?? text
        return short.replacingOccurrences(of: "'", with: "\\'")
    }

    static func fish() -> String {
        var lines = [
            "# fish completion for collector (collector completion fish)",
            "complete -c collector -f",
        ]
        for command in CommandCatalog.all {
            lines.append("complete -c collector -n __fish_use_subcommand -a \(command.name) -d '\(fishText(command.summary))'")
        }
        for command in CommandCatalog.all {
            let when = "-n '__fish_seen_subcommand_from \(command.name)'"
            for option in options(of: command) {
                var line = "complete -c collector \(when)"
                for flag in option.flags {
                    line += flag.hasPrefix("--") ? " -l \(flag.dropFirst(2))" : " -s \(flag.dropFirst())"
                }
                if let values = HelpText.values(of: option) {
                    line += " -x -a '\(values.joined(separator: " "))'"
                } else if HelpText.takesFile(option) {
                    line += " -r -F"
                } else if option.argument != nil {
                    line += " -x"
                }
                lines.append(line + " -d '\(fishText(option.description))'")
            }
            let words = positionalWords(of: command)
            if !words.isEmpty {
                lines.append("complete -c collector \(when) -x -a '\(words.joined(separator: " "))'")
            } else if command.takesFiles {
                lines.append("complete -c collector \(when) -F")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
