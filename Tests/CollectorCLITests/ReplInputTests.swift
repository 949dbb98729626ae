import Foundation
import Testing

/// `collector repl` without a terminal: its input taken byte for byte, its
/// command line, its exit status and its log settings.
@Suite("collector repl input and options")
struct ReplInputTests {
    /// Runs `collector repl ARGS` with `input` (bytes) piped in, through the shell.
    static func piped(_ input: [UInt8], _ arguments: [String] = [], environment: [String] = []) throws -> Collector.Outcome {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("repl-input-\(UUID().uuidString)")
        try Data(input).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try Collector.run(
            ["repl"] + arguments,
            launcher: (URL(fileURLWithPath: "/usr/bin/env"), environment + ["sh", "-c", "exec \"$0\" \"$@\" < '\(file.path)'"]))
    }

    @Test func bytesThatAreNotUTF8ReachLuaUnchanged() throws {
        let line = Array("print(#\"".utf8) + [0xFF] + Array("\", (\"".utf8) + [0xFF] + Array("\"):byte())\n".utf8)
        let outcome = try Self.piped(line)
        #expect(outcome.stdout == "1\t255\n", "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.status == 0)
    }

    @Test func aFailedCommandMakesTheExitStatusOne() throws {
        let dir = try PipelineRunTests.directory()
        let bad = try PipelineRunTests.write("error('boom in bad.lua')\n", "bad.lua", in: dir)
        for command in [":load \(bad)", ":frob", ":doc nothing_of_the_kind", ":reload"] {
            let outcome = try Collector.run(["repl"], input: "\(command)\n1 + 1\n")
            #expect(outcome.status == 1, "\(command): \(outcome.stderr)")
            #expect(outcome.stdout.hasSuffix("2\n"), "the session goes on after \(command)")
            #expect(!outcome.stderr.isEmpty, "\(command) says what failed")
        }
        let doc = try Collector.run(["repl"], input: ":doc nothing_of_the_kind\n")
        #expect(doc.stderr.contains(":doc: nothing on 'nothing_of_the_kind'"))
        let fine = try Collector.run(["repl"], input: ":help\n1 + 1\n")
        #expect(fine.status == 0)
    }

    @Test func errorsNameTheLineOfThePipedInput() throws {
        let input = """
            x = 1
            :help

            function half(v)
              if v % 2 == 1 then error("odd: " .. v) end
              return v // 2
            end
            print(half(3))
            y = = 2
            for i = 1, 2 do
              local t = nil
              print(t.field)
            end
            nil + 1

            """
        let outcome = try Self.piped(Array(input.utf8))
        #expect(outcome.status == 1)
        let errors = outcome.stderr
        #expect(errors.contains("stdin:5: odd: 3"), "raised in the function defined on lines 4-7: \(errors)")
        #expect(errors.contains("stdin:8:"), "the traceback names the calling line: \(errors)")
        #expect(errors.contains("stdin:9: unexpected symbol near '='"), "\(errors)")
        #expect(errors.contains("stdin:12: attempt to index a nil value (local 't')"), "\(errors)")
        #expect(errors.contains("stdin:14: attempt to perform arithmetic on a nil value"), "\(errors)")
        #expect(!errors.contains("stdin:1:"), "\(errors)")
    }

    @Test func loadTakesQuotedPathsAndTheHomeDirectory() throws {
        let home = try PipelineRunTests.directory()
        let spaced = home.appendingPathComponent("my scripts")
        try FileManager.default.createDirectory(at: spaced, withIntermediateDirectories: true)
        _ = try PipelineRunTests.write("greeting = 'hello from a spaced name'\n", "first file.lua", in: spaced)
        _ = try PipelineRunTests.write("answer = 42\n", "it's.lua", in: home)
        let input = """
            :load "~/my scripts/first file.lua"
            greeting
            :load ~/it's.lua
            answer
            :load '\(spaced.path)/first file.lua'
            :load "~/my scripts/missing.lua"
            :load "unclosed.lua

            """
        let outcome = try Self.piped(Array(input.utf8), environment: ["HOME=\(home.path)"])
        #expect(outcome.stdout == "\"hello from a spaced name\"\n42\n", "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("cannot read \(home.path)/my scripts/missing.lua"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains(":load: no closing \""), "\(outcome.stderr)")
        #expect(outcome.status == 1)
    }

    @Test func aMemoryBombIsAnErrorAndTheSessionGoesOn() throws {
        let input = """
            kept = "before"
            t = {} for i = 1, 1e10 do t[i] = i end
            t = nil
            collectgarbage()
            kept .. " and after"
            do local s = string.rep("x", 1 << 20) for i = 1, 100 do s = s .. s end end
            #kept

            """
        let outcome = try Self.piped(Array(input.utf8), ["--memory", "32MB"])
        #expect(outcome.stdout == "0\n\"before and after\"\n6\n", "\(outcome.stdout) \(outcome.stderr)")
        let limitErrors = outcome.stderr.components(separatedBy: "the session's memory limit of 32MB was reached").count - 1
        #expect(limitErrors == 2, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("not enough memory"))
        #expect(outcome.status == 1)
        let bad = try Self.piped([], ["--memory", "12 parsecs"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--memory must be a size"), "\(bad.stderr)")
        let small = try Self.piped([], ["--memory=1MB"])
        #expect(small.status == 2)
        #expect(small.stderr.contains("at least 16MB"), "\(small.stderr)")
    }

    @Test func anUnknownOptionIsAUsageError() throws {
        let outcome = try Collector.run(["repl", "--frob"], input: "")
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("unknown option '--frob'"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("--help"))
        #expect(outcome.stderr.split(separator: "\n").count == 1, "one line, not the whole help: \(outcome.stderr)")
        let level = try Collector.run(["repl", "--log-level", "loud"], input: "")
        #expect(level.status == 2)
        #expect(level.stderr.contains("--log-level must be"))
    }

    static let warningSession = """
        p = pipeline "w" { from = source.generator { count = 3 }, process = { function(r) log.warn("a warning") return r end }, to = storage.null {} }
        p:run().status

        """

    @Test func logLinesFollowTheLevelAndTheFormatAsInRun() throws {
        let input = Array(Self.warningSession.utf8)
        let plain = try Self.piped(input)
        #expect(plain.stderr.contains("level=warn msg=\"a warning\""), "logfmt when stderr is no terminal: \(plain.stderr)")
        #expect(plain.stdout.contains("\"completed\""))
        let quietByEnvironment = try Self.piped(input, environment: ["LOG_LEVEL=error"])
        #expect(!quietByEnvironment.stderr.contains("a warning"), "\(quietByEnvironment.stderr)")
        let quietByOption = try Self.piped(input, ["--log-level", "error"])
        #expect(!quietByOption.stderr.contains("a warning"), "\(quietByOption.stderr)")
        #expect(quietByOption.status == 0)
        let json = try Self.piped(input, ["--log-format=json"])
        #expect(json.stderr.contains("\"msg\":\"a warning\""), "\(json.stderr)")
    }

    @Test func valuesAndErrorsWithToStringShowWhatItGives() throws {
        let input = """
            setmetatable({}, { __tostring = function() return "MyObj<1>" end })
            { inner = setmetatable({}, { __tostring = function() return "Inner" end }) }
            setmetatable({ raw = 1 }, { __tostring = function() error("no text") end })
            error(setmetatable({}, { __tostring = function() return "custom err" end }))

            """
        let outcome = try Collector.run(["repl"], input: input)
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "MyObj<1>", "\(outcome.stdout)")
        #expect(lines.contains("{ inner = Inner }"), "\(outcome.stdout)")
        #expect(lines.contains("{ raw = 1 }"), "a failing __tostring falls back to the fields: \(outcome.stdout)")
        #expect(outcome.stderr.contains("custom err"), "\(outcome.stderr)")
        #expect(outcome.status == 1)
    }

    @Test func anExpressionOverSeveralLinesPrintsItsValue() throws {
        let outcome = try Collector.run(["repl"], input: "function add(a, b) return a + b end\nadd(1,\n2)\nx = {\n1 }\n#x\n")
        #expect(outcome.stdout == "3\n1\n", "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.status == 0)
    }
}
