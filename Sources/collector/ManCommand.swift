/// `collector man`: the manual page, in roff, made from the commands' help
/// (see `HelpText`), so that it says what `--help` says.
struct ManCommand {
    let arguments: [String]

    static let help = """
        usage: collector man

        Prints the manual page of collector (roff, section 1). To install it:
          collector man > ~/.local/share/man/man1/collector.1   (then: man collector)
        or, for every user (as root):
          collector man > /usr/local/share/man/man1/collector.1 && mandb -q
        """

    func execute() -> Int32 {
        if arguments.contains("-h") || arguments.contains("--help") {
            print(Self.help)
            return 0
        }
        guard arguments.isEmpty else {
            fail("man: no arguments expected (collector man --help for help)")
            return 2
        }
        print(Self.page(), terminator: "")
        return 0
    }

    /// Text made safe for roff: backslashes and hyphens escaped, no line starting with a control character.
    static func roff(_ text: String) -> String {
        var escaped = text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
        if escaped.hasPrefix(".") || escaped.hasPrefix("'") { escaped = "\\&" + escaped }
        return escaped
    }

    static func page() -> String {
        var out = [
            ".TH COLLECTOR 1 \"\" \"collector \(version)\" \"User Commands\"",
            // Ragged right: the synopsis and option names keep single spaces.
            ".ad l",
            ".SH NAME",
            "collector \\- run, test and explore Lua data\\-collection pipelines",
            ".SH SYNOPSIS",
        ]
        for command in CommandCatalog.all {
            for form in HelpText(command.help).usage where form.hasPrefix("collector \(command.name)") {
                out.append(".B " + roff(form))
                out.append(".br")
            }
        }
        out += [
            ".SH DESCRIPTION",
            roff("collector runs pipelines written in Lua: sources (files, HTTP APIs, SSE and WebSocket streams, commands) feed processors that validate, transform and route records into storage (SQLite, PostgreSQL, JSON lines, HTTP). Processors can be reloaded while a pipeline runs, tested with collector test, and tried in a REPL on the real engine."),
            ".SH COMMANDS",
        ]
        var described = Set<String>()
        for command in CommandCatalog.all where command.name != "help" && command.name != "version" {
            out.append(".SS " + roff("collector \(command.name)") + " \\(em " + roff(command.summary))
            guard !described.contains(command.help) else {
                out.append(roff("See collector \(command.name == "check" ? "run" : command.name) above."))
                continue
            }
            described.insert(command.help)
            let text = HelpText(command.help)
            for paragraph in text.paragraphs {
                out.append(".PP")
                out.append(roff(paragraph))
            }
            if !text.options.isEmpty {
                out.append(".PP")
                out.append("Options:")
                for option in text.options {
                    out.append(".TP")
                    out.append("\\fB" + option.flags.map(roff).joined(separator: "\\fR, \\fB") + "\\fR" + (option.argument.map { " \\fI" + roff($0) + "\\fR" } ?? ""))
                    out.append(roff(option.description))
                }
                for note in text.optionNotes {
                    out.append(".PP")
                    out.append(roff(note))
                }
            }
            for paragraph in text.closing {
                out.append(".PP")
                out.append(roff(paragraph))
            }
        }
        out += [
            ".SH EXIT STATUS",
            roff("0 success, 1 runtime failure (a pipeline failed, records were not stored), 2 usage or script error, 3 records left in the spool (replayed by the next run), 130 a second Ctrl-C."),
            ".SH ENVIRONMENT",
            ".TP", ".B LOG_LEVEL", roff("the log level when --log-level is not given (debug, info, warn, error)."),
            ".TP", ".B NO_COLOR", roff("no colours in the REPL and in collector test."),
            ".TP", ".B DATABASE_URL", roff("storage.postgres's server when its url option is not given."),
            ".TP", ".B HTTP_PROXY, HTTPS_PROXY, NO_PROXY", roff("proxies for the HTTP-based sources and backends (never for loopback)."),
            ".SH SEE ALSO",
            roff("The guide, the Lua API and the operations manual: docs/guide.md, docs/lua-api.md, docs/operations.md in the source distribution."),
        ]
        return out.joined(separator: "\n") + "\n"
    }
}
