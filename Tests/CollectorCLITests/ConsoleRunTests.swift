import Foundation
import Testing

/// `storage.console`: records on standard output, read by another program
/// through a pipe, in each format; and a reader that goes away.
@Suite("storage.console")
struct ConsoleRunTests {
    /// One record with what logfmt must quote, escape or flatten.
    static let input = #"""
        {"msg":"said \"hi\"\nthen left","n":1,"f":1.0,"ok":true,"none":null,"code":"42","word":"null","empty":"","site":{"room":3,"name":"north hall"},"tags":["a","b"],"meta":{},"we ird=key":"x","tab":"a\tb","path":"/var/log"}

        """#

    static func run(format: String) throws -> Collector.Outcome {
        let script = try Collector.script("""
            pipeline "show" { from = source.stdin {}, to = storage.console { format = "\(format)" } }
            """)
        return try Collector.run(["run", script], input: input)
    }

    @Test func logfmtQuotesWhatWouldNotReadBackAndFlattensObjects() throws {
        let outcome = try Self.run(format: "logfmt")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let expected = #"""
            msg="said \"hi\"\nthen left" n=1 f=1.0 ok=true none=null code="42" word="null" empty="" site.room=3 site.name="north hall" tags="[\"a\",\"b\"]" meta="{}" we_ird_key=x tab="a\tb" path=/var/log

            """#
        #expect(outcome.stdout == expected)
        // Standard output is records only: the summary goes to standard error.
        #expect(outcome.stderr.contains("pipeline show: 1 in, 1 out, 0 dropped, 0 failed, 0 dead letters; stored console-1=1"))
    }

    /// Records that are not objects, odd keys, control characters, deep and
    /// empty values, and strings that would read back as another type.
    @Test func logfmtEdgeCases() throws {
        let lines = [
            #"5"#, #"[1,"a b"]"#, #"{}"#, #"{"":1,"k y":2}"#, #"{"a":"\u0001x"}"#,
            #"{"a":{"b":{"c":null}},"e":[]}"#,
            #"{"u":"ünï","x":"a=b","bs":"c:\\d","t":"true","n":"-1.5e3","s":"plain-text_ok"}"#,
        ]
        let script = try Collector.script(#"pipeline "edge" { from = source.stdin {}, to = storage.console { format = "logfmt" } }"#)
        let outcome = try Collector.run(["run", script], input: lines.joined(separator: "\n") + "\n")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let expected = [
            #"value=5"#, #"value="[1,\"a b\"]""#, #"value="{}""#, #"_=1 k_y=2"#, #"a="\u0001x""#,
            #"a.b.c=null e="[]""#,
            #"u=ünï x="a=b" bs="c:\\d" t="true" n="-1.5e3" s=plain-text_ok"#,
        ]
        #expect(outcome.stdout.split(separator: "\n").map(String.init) == expected, "\(outcome.stdout)")
    }

    @Test func jsonIsOneCompactLinePerRecordAsItCame() throws {
        let outcome = try Self.run(format: "json")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == Self.input.trimmingCharacters(in: .newlines) + "\n")
    }

    @Test func prettyIsIndentedJSONOfTheSameRecord() throws {
        let outcome = try Self.run(format: "pretty")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("\n  \"msg\": \"said \\\"hi\\\"\\nthen left\",\n"), "\(outcome.stdout)")
        let parsed = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? NSDictionary
        let original = try JSONSerialization.jsonObject(with: Data(Self.input.utf8)) as? NSDictionary
        #expect(parsed != nil && parsed == original)
    }

    @Test func aBadFormatIsAnOptionError() throws {
        let script = try Collector.script("local c = storage.console { format = 'yaml' }")
        let outcome = try Collector.run(["check", script])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains(#"storage.console: option 'format' must be one of "json", "pretty", "logfmt", got "yaml""#), "\(outcome.stderr)")
    }

    /// A reader that has gone is an error that says so; the process is not
    /// killed by SIGPIPE, and what was not written waits in the spool. A pipe
    /// whose reader has gone never comes back: the run ends without trying
    /// it again until the drain deadline (`collector run x.lua | head` must
    /// not hang).
    @Test func aClosedStandardOutputIsAnErrorNotASignal() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("closed.lua").path
        try #"pipeline "c" { from = source.generator { count = 2000 }, to = storage.console {} }"#
            .write(toFile: script, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = Collector.executable
        process.arguments = ["run", "--drain-timeout", "10m", script]
        // The spool (SCRIPT.spool.db in the working directory) goes with the test's folder.
        process.currentDirectoryURL = directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        // No reader at all: the first write fails.
        try out.fileHandleForReading.close()
        try process.run()
        try out.fileHandleForWriting.close()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "ended by signal \(process.terminationStatus)")
        #expect(process.terminationStatus == 3, "\(stderr)")
        #expect(stderr.contains("console-1: stdout is closed (its reader has gone: EPIPE)"), "\(stderr)")
        #expect(stderr.contains("2000 records are in the spool"), "\(stderr)")
        #expect(!stderr.contains("; the drain deadline passed"), "\(stderr)")
    }
}
