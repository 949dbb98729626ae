import Foundation

/// A command's `--help` text, read into its parts: the one source that the
/// help, the man page (`collector man`) and the shell completions
/// (`collector completion SHELL`) are made from, so that they cannot disagree.
///
/// The texts follow one layout: `usage:` lines, paragraphs, an `options:`
/// section of `  --name, -n ARG   description` entries (a description may go
/// on over lines indented further), and more paragraphs.
struct HelpText {
    struct Option {
        /// `--quiet`, `-q`: every spelling, long first.
        var flags: [String]
        /// `LEVEL`, `FILE`, `KEY=VALUE`; nil for a switch.
        var argument: String?
        var description: String
    }

    /// `collector run SCRIPT.lua [options] [ARGS...]`, one per form.
    var usage: [String] = []
    /// The paragraphs before the options.
    var paragraphs: [String] = []
    var options: [Option] = []
    /// Lines of the options section that are not an option (`and the options of ...`).
    var optionNotes: [String] = []
    /// The paragraphs after the options (exit status).
    var closing: [String] = []

    init(_ text: String) {
        var section = 0  // 0: before options, 1: options, 2: after
        var paragraph: [String] = []
        func endParagraph() {
            guard !paragraph.isEmpty else { return }
            let joined = paragraph.joined(separator: " ")
            if section == 0 { paragraphs.append(joined) } else { closing.append(joined) }
            paragraph = []
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("usage: ") {
                usage.append(String(line.dropFirst("usage: ".count)))
                continue
            }
            if !usage.isEmpty, section == 0, paragraphs.isEmpty, paragraph.isEmpty, line.hasPrefix("       collector") {
                usage.append(trimmed)
                continue
            }
            if trimmed == "options:" {
                endParagraph()
                section = 1
                continue
            }
            if section == 1 {
                if trimmed.isEmpty {
                    section = 2
                    continue
                }
                if let option = Self.option(line) {
                    options.append(option)
                } else if line.hasPrefix("      "), !options.isEmpty {
                    options[options.count - 1].description += " " + trimmed
                } else {
                    optionNotes.append(trimmed)
                }
                continue
            }
            if trimmed.isEmpty {
                endParagraph()
            } else {
                paragraph.append(trimmed)
            }
        }
        endParagraph()
    }

    /// `  --name, -n ARG   description`: flags, then an argument in capitals
    /// (or `KEY=VALUE`), then two spaces or more before the description.
    private static func option(_ line: String) -> Option? {
        guard line.hasPrefix("  -"), !line.hasPrefix("      ") else { return nil }
        let body = line.dropFirst(2)
        guard let gap = body.range(of: "  ") else { return nil }
        let head = body[..<gap.lowerBound]
        let description = body[gap.upperBound...].trimmingCharacters(in: .whitespaces)
        var flags: [String] = []
        var argument: String?
        for part in head.split(separator: " ") {
            let word = part.hasSuffix(",") ? String(part.dropLast()) : String(part)
            if word.hasPrefix("-") { flags.append(word) } else { argument = word }
        }
        return flags.isEmpty ? nil : Option(flags: flags, argument: argument, description: description)
    }

    /// The values an option's argument takes, when the description lists
    /// them (`debug, info, warn or error`), for completion.
    static func values(of option: Option) -> [String]? {
        switch option.argument {
        case "LEVEL": ["debug", "info", "warn", "error"]
        case "FORMAT": ["human", "logfmt", "json"]
        case "WHEN": ["auto", "always", "never"]
        default: nil
        }
    }

    /// Whether an option's argument names a file.
    static func takesFile(_ option: Option) -> Bool {
        guard let argument = option.argument else { return false }
        return argument.contains("FILE") || argument == "DIR" || argument.hasSuffix(".lua")
    }
}
