import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

/// Lines merged into records (`multiline`), read once and followed.
@Suite struct MultilineTests {
    private func records(_ path: String, _ multiline: MultilineOptions, format: DataFormat = .text) async throws -> [CollectedData] {
        let source = FileSource(id: "f", path: path, options: .init(format: format, multiline: multiline))
        try await source.connect()
        return try await TestSupport.guarded {
            var items: [CollectedData] = []
            for try await item in source.stream() { items.append(item) }
            return items
        }
    }

    @Test func aLineMatchingStartBeginsARecordAndTheOthersJoinIt() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/app.log"
            try TestSupport.write(
                "orphan\n2024-01-01 boom\n  at a()\n  at b()\n2024-01-02 fine\n2024-01-03 last\nCaused by: x", to: path)
            let read = try await records(path, .init(rule: .start("^%d%d%d%d%-%d%d")))
            #expect(
                read.map(TestSupport.text) == [
                    "orphan", "2024-01-01 boom\n  at a()\n  at b()", "2024-01-02 fine", "2024-01-03 last\nCaused by: x",
                ])
            #expect(read[1].metadata["line"] == .integer(2))
            #expect(read[1].metadata["lines"] == .integer(3))
            #expect(read[1].metadata["offset"] == .integer(7))
        }
    }

    @Test func aLineMatchingContinueJoinsTheOneBefore() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/trace.log"
            try TestSupport.write("Error: x\n\tat one\n\tat two\nnext\n more\n", to: path)
            let read = try await records(path, .init(rule: .continuation("^%s")))
            #expect(read.map(TestSupport.text) == ["Error: x\n\tat one\n\tat two", "next\n more"])
        }
    }

    @Test func maxLinesAndMaxBytesBoundARecord() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/long.log"
            try TestSupport.write("S\n" + String(repeating: "x\n", count: 5), to: path)
            let byLines = try await records(path, .init(rule: .start("^S"), maxLines: 3))
            #expect(byLines.map(TestSupport.text) == ["S\nx\nx", "x\nx\nx"])
            let byBytes = try await records(path, .init(rule: .start("^S"), maxBytes: 5))
            #expect(byBytes.map(TestSupport.text) == ["S\nx\nx", "x\nx\nx"])
        }
    }

    @Test func withJSONLinesARecordIsOneJSONDocument() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/pretty.json"
            try TestSupport.write("{\n  \"a\": 1\n}\n{\n  \"a\": 2\n}\n", to: path)
            let read = try await records(path, .init(rule: .start("^{")), format: .jsonLines)
            #expect(read.map(TestSupport.text) == ["{\n  \"a\": 1\n}", "{\n  \"a\": 2\n}"])
            #expect(read.allSatisfy { $0.format == .json })
        }
    }

    @Test func luaPatternsMeanWhatTheyMeanInLua() {
        #expect(MultilineOptions.problem(with: "^%d%d%d%d%-") == nil)
        #expect(MultilineOptions.problem(with: "^[%w_]+:%s") == nil)
        #expect(MultilineOptions.problem(with: "^%b()")?.contains("'%b'") == true)
        #expect(MultilineOptions.problem(with: "^[%d") != nil)
        #expect(MultilineOptions.problem(with: "abc%") != nil)
    }

    @Test func luaPatternSyntaxIsMatchedFaithfully() async throws {
        // Each case: a pattern, a line it matches, a line it does not (as string.match would say).
        let cases: [(String, String, String)] = [
            ("^%d+%.%d", "12.5 x", "12x5"),
            ("a-b$", "xaaab", "xaaabc"),
            ("^%[INFO%]", "[INFO] up", "INFO up"),
            ("{x}|", "a{x}|b", "a{x}b"),
            ("^[^%s]", "word", " indented"),
            ("%S+%s*$", "tail  ", "   "),
            ("^*", "*star", "star"),
            ("[%]%-]", "a]b", "ab"),
            ("^%a%w*%(%)", "f1()", "1f()"),
        ]
        try await TestSupport.withTemporaryDirectory { dir in
            for (index, (pattern, yes, no)) in cases.enumerated() {
                let path = dir + "/\(index).log"
                try TestSupport.write("first\n\(no)\n\(yes)\n", to: path)
                let read = try await records(path, .init(rule: .start(pattern)))
                #expect(read.map(TestSupport.text) == ["first\n\(no)", yes], "pattern \(pattern)")
            }
        }
    }

    @Test func aFollowedFileHandsOnItsLastRecordAfterTheTimeout() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/live.log"
            try TestSupport.write("2024 first\n  trace 1\n2024 second\n  trace 2\n", to: path)
            let source = FollowFileSource(
                id: "tail", path: path,
                options: .init(
                    format: .text, pollInterval: .milliseconds(20),
                    multiline: .init(rule: .start("^%d%d%d%d "), timeout: .milliseconds(100))))
            try await source.connect()
            let records = try await TestSupport.guarded {
                [TestSupport.text(try await source.collect()), TestSupport.text(try await source.collect())]
            }
            // The second record had no line after it: the timeout ended it.
            #expect(records == ["2024 first\n  trace 1", "2024 second\n  trace 2"])
            try TestSupport.append("2024 third\n", to: path)
            let third = try await TestSupport.guarded { try await source.collect() }
            #expect(TestSupport.text(third) == "2024 third")
            await source.disconnect()
        }
    }

    @Test func aFollowedRecordStillHeldIsReadAgainWholeAfterARestart() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/live.log"
            let position = dir + "/pos.json"
            try TestSupport.write("A one\n  more\nA two\n  half", to: path)
            let options = FollowFileSource.Options(
                format: .text, pollInterval: .milliseconds(20), positionFile: position,
                multiline: .init(rule: .start("^A "), timeout: .seconds(3600)))
            let first = FollowFileSource(id: "tail", path: path, options: options)
            try await first.connect()
            let one = try await TestSupport.guarded { try await first.collect() }
            #expect(TestSupport.text(one) == "A one\n  more")
            await first.disconnect()
            try TestSupport.append("\n  rest\nA three\n", to: path)
            let second = FollowFileSource(id: "tail", path: path, options: options)
            try await second.connect()
            let two = try await TestSupport.guarded { try await second.collect() }
            #expect(TestSupport.text(two) == "A two\n  half\n  rest")
            await second.disconnect()
        }
    }
}

extension MultilineTests {
    @Test func aBadPatternGivenFromSwiftIsAConfigurationErrorAtConnect() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/x.log"
            try TestSupport.write("a\n", to: path)
            let multiline = MultilineOptions(rule: .start("[%d"))
            let file = FileSource(id: "f", path: path, options: .init(format: .text, multiline: multiline))
            let fileError = await #expect(throws: ErrorInfo.self) { try await file.connect() }
            #expect(fileError?.type == .configuration)
            #expect(fileError?.message.contains("[%d") == true)
            let follow = FollowFileSource(id: "t", path: path, options: .init(format: .text, multiline: multiline))
            let followError = await #expect(throws: ErrorInfo.self) { try await follow.connect() }
            #expect(followError?.type == .configuration)
            #expect(followError?.message.contains("not closed") == true)
        }
    }
}

extension MultilineTests {
    @Test func aReconnectDoesNotHandOutAHeldRecordTwice() async throws {
        try await TestSupport.withTemporaryDirectory { dir in
            let path = dir + "/live.log"
            try TestSupport.write("A one\n  more\nA two\n", to: path)
            let source = FollowFileSource(
                id: "tail", path: path,
                options: .init(format: .text, pollInterval: .milliseconds(20), multiline: .init(rule: .start("^A "), timeout: .seconds(3600))))
            try await source.connect()
            #expect(TestSupport.text(try await TestSupport.guarded { try await source.collect() }) == "A one\n  more")
            await source.disconnect()
            try await source.connect()
            try TestSupport.append("  tail\nA three\n", to: path)
            #expect(TestSupport.text(try await TestSupport.guarded { try await source.collect() }) == "A two\n  tail")
            await source.disconnect()
        }
    }
}
