import CollectorConformance
import CollectorMocks
import CollectorHTTPSources
import CollectorSources
import CollectorWebSocket
import Collectors
import CollectorValues
import Foundation
import Testing

/// The conformance kit against every source the package ships, and the mock.
extension ConformanceRuns {
    @Suite struct SourceConformanceTests {
        /// The HTTP fixture on the same port once restarted, telling its starts apart.
        static let httpArguments: @Sendable (Int, Int) -> [String] = { port, generation in
            ["--port", String(port), "--generation", String(generation)]
        }

        /// Whether an item comes from a start of the fixture after its first.
        static let fromRestartedServer: @Sendable (CollectedData) -> Bool = { item in
            guard case .integer(let generation)? = try? JSONReader().read(item.payload)["generation"] else { return false }
            return generation > 1
        }

        private func expectConformance(_ kit: SourceConformance, skipping allowed: Set<String> = []) async {
            let report = await kit.run()
            #expect(report.failures.isEmpty, "\(report)")
            let skipped = Set(report.skipped.map(\.name))
            #expect(skipped.isSubset(of: allowed), "checks skipped that should have run:\n\(report)")
        }

        @Test func generator() async {
            await expectConformance(
                SourceConformance(
                    name: "generator", make: { GeneratorSource(id: "generator", options: .init(count: 1_000)) },
                    idle: { GeneratorSource(id: "generator") }),
                skipping: [SourceConformance.Check.acknowledgement, SourceConformance.Check.reconnect, SourceConformance.Check.badInput])
        }

        @Test func file() async throws {
            try await withTemporaryDirectory { dir in
                try write(jsonLines(50), to: dir + "/lines.jsonl")
                try write("{not json\n" + jsonLines(3), to: dir + "/bad.jsonl")
                await expectConformance(
                    SourceConformance(
                        name: "file", make: { FileSource(id: "file", path: dir + "/lines.jsonl") },
                        // A file that never ends: a read is cancelled in the middle of it.
                        idle: { FileSource(id: "file", path: "/dev/zero", options: .init(format: .text, maxLineLength: 4096)) },
                        badInput: .init(goodRecords: 3) { FileSource(id: "file", path: dir + "/bad.jsonl") }),
                    skipping: [SourceConformance.Check.acknowledgement, SourceConformance.Check.reconnect])
            }
        }

        @Test func fileAPattern() async throws {
            try await withTemporaryDirectory { dir in
                for name in ["in", "bad"] { try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true) }
                try write(jsonLines(30), to: dir + "/in/1.jsonl")
                try write(jsonLines(20), to: dir + "/in/2.jsonl")
                try write("{not json\n" + jsonLines(3), to: dir + "/bad/b.jsonl")
                await expectConformance(
                    SourceConformance(
                        name: "file (pattern)", make: { FileSource(id: "file", path: dir + "/in/*.jsonl") },
                        idle: { FileSource(id: "file", path: "/dev/zer[o]", options: .init(format: .text, maxLineLength: 4096)) },
                        badInput: .init(goodRecords: 3) { FileSource(id: "file", path: dir + "/bad/*.jsonl") }),
                    skipping: [SourceConformance.Check.acknowledgement, SourceConformance.Check.reconnect])
            }
        }

        @Test func follow() async throws {
            try await withTemporaryDirectory { dir in
                try write(jsonLines(50), to: dir + "/app.log")
                try write("", to: dir + "/quiet.log")
                try write(jsonLines(5), to: dir + "/acked.log")
                try write("{not json\n" + jsonLines(3), to: dir + "/bad.log")
                let fast = FollowFileSource.Options(pollInterval: .milliseconds(20))
                var positioned = fast
                positioned.positionFile = dir + "/acked.position"
                await expectConformance(
                    SourceConformance(
                        name: "follow", make: { FollowFileSource(id: "follow", path: dir + "/app.log", options: fast) },
                        idle: { FollowFileSource(id: "follow", path: dir + "/quiet.log", options: fast) },
                        checkpointed: { [positioned] in FollowFileSource(id: "follow", path: dir + "/acked.log", options: positioned) },
                        badInput: .init(goodRecords: 3) { FollowFileSource(id: "follow", path: dir + "/bad.log", options: fast) }),
                    skipping: [SourceConformance.Check.reconnect])
            }
        }

        @Test func followAPattern() async throws {
            try await withTemporaryDirectory { dir in
                for name in ["app", "acked", "bad", "quiet"] {
                    try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true)
                }
                try write(jsonLines(30), to: dir + "/app/1.log")
                try write(jsonLines(20), to: dir + "/app/2.log")
                try write("", to: dir + "/quiet/q.log")
                try write(jsonLines(5), to: dir + "/acked/a.log")
                try write("{not json\n" + jsonLines(3), to: dir + "/bad/b.log")
                let fast = FollowFileSource.Options(pollInterval: .milliseconds(20))
                var positioned = fast
                positioned.positionFile = dir + "/acked.position"
                let quiet: @Sendable (String) -> Void = { _ in }
                await expectConformance(
                    SourceConformance(
                        name: "follow (pattern)",
                        make: { FollowGlobSource(id: "follow", pattern: dir + "/app/*.log", options: fast, notice: quiet) },
                        idle: { FollowGlobSource(id: "follow", pattern: dir + "/quiet/*.log", options: fast, notice: quiet) },
                        checkpointed: { [positioned] in
                            FollowGlobSource(id: "follow", pattern: dir + "/acked/*.log", options: positioned, notice: quiet)
                        },
                        badInput: .init(goodRecords: 3) {
                            FollowGlobSource(id: "follow", pattern: dir + "/bad/*.log", options: fast, notice: quiet)
                        }),
                    skipping: [SourceConformance.Check.reconnect])
            }
        }

        @Test func stdinOnAPipe() async throws {
            let pipes = Pipes()
            defer { pipes.closeAll() }
            await expectConformance(
                SourceConformance(
                    name: "stdin", make: { StdinSource(id: "stdin", fileDescriptor: try pipes.reading(jsonLines(20))) },
                    idle: { StdinSource(id: "stdin", fileDescriptor: try pipes.silent()) },
                    badInput: .init(goodRecords: 3) {
                        StdinSource(id: "stdin", fileDescriptor: try pipes.reading("{not json\n" + jsonLines(3)))
                    }),
                skipping: [SourceConformance.Check.acknowledgement, SourceConformance.Check.reconnect])
        }

        @Test func command() async {
            let fast = CommandSource.Options(terminationGracePeriod: .milliseconds(300))
            await expectConformance(
                SourceConformance(
                    name: "command",
                    make: { CommandSource(id: "command", executable: "sh", arguments: ["-c", "for i in 1 2 3 4 5; do echo \"{\\\"n\\\":$i}\"; done"], options: fast) },
                    idle: { CommandSource(id: "command", executable: "sleep", arguments: ["60"], options: fast) },
                    badInput: .init(goodRecords: 3) {
                        CommandSource(id: "command", executable: "sh", arguments: ["-c", "echo '{not json'; for i in 1 2 3; do echo \"{\\\"n\\\":$i}\"; done"], options: fast)
                    }),
                skipping: [SourceConformance.Check.acknowledgement, SourceConformance.Check.reconnect])
        }

        @Test func http() async throws {
            try await FixtureServer.with("http_fixture.py", arguments: Self.httpArguments) { server in
                let port = await server.port
                var options = HTTPSource.Options()
                options.reconnect = ReconnectPolicy(initialDelay: .milliseconds(50), maxDelay: .milliseconds(200))
                let make: SourceConformance.Make = { [options] in HTTPSource(id: "http", url: server.url("http", port, "/ok"), options: options) }
                await expectConformance(
                    SourceConformance(
                        name: "http", mode: .interval(.milliseconds(20)), make: make,
                        idle: { [options] in HTTPSource(id: "http", url: server.url("http", port, "/stall"), options: options) },
                        restart: .init(
                            make: { [options] in HTTPSource(id: "http", url: server.url("http", port, "/generation"), options: options) },
                            restartServer: { try await server.restart() }, isFromRestartedServer: Self.fromRestartedServer),
                        badInput: .init(goodRecords: 2) { [options] in
                            HTTPSource(id: "http", url: server.url("http", port, "/bad-then-good"), options: options)
                        }),
                    skipping: [SourceConformance.Check.acknowledgement])
            }
        }

        @Test func sse() async throws {
            try await FixtureServer.with("http_fixture.py", arguments: Self.httpArguments) { server in
                let port = await server.port
                var options = SSESource.Options()
                options.reconnectDelay = .milliseconds(50)
                options.maxReconnectDelay = .milliseconds(200)
                let make: SourceConformance.Make = { [options] in SSESource(id: "sse", url: server.url("http", port, "/sse/forever"), options: options) }
                await expectConformance(
                    SourceConformance(
                        name: "sse", make: make,
                        idle: { [options] in SSESource(id: "sse", url: server.url("http", port, "/stall"), options: options) },
                        restart: .init(
                            make: { [options] in SSESource(id: "sse", url: server.url("http", port, "/sse/generation"), options: options) },
                            restartServer: { try await server.restart() }, isFromRestartedServer: Self.fromRestartedServer),
                        badInput: .init(goodRecords: 2) { [options] in
                            SSESource(id: "sse", url: server.url("http", port, "/sse/bad-then-good"), options: options)
                        }),
                    skipping: [SourceConformance.Check.acknowledgement])
            }
        }

        @Test func websocket() async throws {
            try await FixtureServer.with("ws_fixture.py") { fixture in
                try await FixtureServer.with("ws_feed_fixture.py", arguments: { port, generation in [String(port), String(generation)] }) { feed in
                    let (fixturePort, feedPort) = (await fixture.port, await feed.port)
                    var options = WebSocketSource.Options()
                    options.reconnectDelay = .milliseconds(50)
                    options.maxReconnectDelay = .milliseconds(200)
                    let make: SourceConformance.Make = { [options] in
                        WebSocketSource(id: "websocket", url: feed.url("ws", feedPort, "/"), options: options)
                    }
                    await expectConformance(
                        SourceConformance(
                            name: "websocket", make: make,
                            idle: { [options] in WebSocketSource(id: "websocket", url: fixture.url("ws", fixturePort, "/silent"), options: options) },
                            restart: .init(
                                make: make, restartServer: { try await feed.restart() },
                                isFromRestartedServer: { !String(decoding: $0.payload, as: UTF8.self).contains("\"gen\": \"1\"") }),
                            badInput: .init(goodRecords: 2) { [options] in
                                WebSocketSource(id: "websocket", url: fixture.url("ws", fixturePort, "/bad-then-good"), options: options)
                            }),
                        skipping: [SourceConformance.Check.acknowledgement])
                }
            }
        }

        @Test func mockFeedSource() async {
            await expectConformance(
                SourceConformance(
                    name: "feed", reading: .stream,
                    make: {
                        let feed = MockFeedSource(id: "feed")
                        for n in 1...40 { feed.send("{\"n\":\(n)}") }
                        return feed
                    },
                    idle: { MockFeedSource(id: "feed") },
                    badInput: .init(goodRecords: 2) {
                        let feed = MockFeedSource(id: "feed")
                        feed.send("{not json", "{\"n\":1}", "{\"n\":2}")
                        return feed
                    }),
                skipping: [SourceConformance.Check.acknowledgement, SourceConformance.Check.reconnect])
        }

        @Test func mockDataSource() async {
            await expectConformance(
                SourceConformance(
                    // Collected on an interval: its stream() is a fixed list that ends.
                    name: "mock", mode: .interval(.milliseconds(10)), make: { MockDataSource(id: "mock", values: [["n": 1], ["n": 2]]) },
                    idle: { MockDataSource(id: "mock", values: [["n": 1]], collectDelay: .gate(TestGate())) },
                    badInput: .init(goodRecords: 1) {
                        MockDataSource(id: "mock", payloads: [Array("{not json".utf8), Array("{\"n\":1}".utf8)], format: .json)
                    }),
                skipping: [SourceConformance.Check.acknowledgement, SourceConformance.Check.reconnect])
        }
    }
}
