import Foundation
import Testing

/// Proxies from a script: the environment's variables (never for
/// loopback), the `proxy` option, and NO_PROXY.
@Suite("collector run: proxies", .timeLimit(.minutes(2)))
struct ProxyRunTests {
    private func run(_ source: String, proxyLog: URL, environment: [String: String]) throws -> (Collector.Outcome, String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("proxied-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: output) }
        let script = try Collector.script("""
            pipeline "p" { from = \(source), to = storage.jsonl { path = "\(output.path)" } }
            """)
        let outcome = try Collector.run(["run", "--once", script], environment: environment)
        let stored = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (outcome, stored)
    }

    private func carried(_ log: URL) -> [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func theEnvironmentsProxyCarriesRemoteHostsButNeverLoopback() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: log) }
        let server = try LoopbackFixture("http_fixture.py")
        let proxy = try LoopbackFixture("proxy_fixture.py", arguments: [log.path])
        let environment = ["HTTP_PROXY": proxy.base, "https_proxy": proxy.base]
        // A name only the proxy resolves (it sends everything to 127.0.0.1).
        let (remote, stored) = try run(
            #"source.http { url = "http://api.example.invalid:\#(server.port)/ok" }"#, proxyLog: log, environment: environment)
        #expect(remote.status == 0, "\(remote.stderr)")
        #expect(stored.contains("\"n\""))
        #expect(carried(log).count == 1)
        // Loopback goes direct, whatever the environment says.
        let (local, _) = try run(#"source.http { url = "\#(server.base)/ok" }"#, proxyLog: log, environment: environment)
        #expect(local.status == 0, "\(local.stderr)")
        #expect(carried(log).count == 1)
    }

    @Test func theProxyOptionCarriesLoopbackTooUnlessNoProxyNamesIt() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: log) }
        let server = try LoopbackFixture("http_fixture.py")
        let proxy = try LoopbackFixture("proxy_fixture.py", arguments: [log.path])
        let (given, stored) = try run(
            #"source.http { url = "\#(server.base)/ok", proxy = "http://user:OptPx_31@127.0.0.1:\#(proxy.port)" }"#,
            proxyLog: log, environment: [:])
        #expect(given.status == 0, "\(given.stderr)")
        #expect(stored.contains("\"n\""))
        #expect(carried(log).count == 1)
        #expect(!(given.stdout + given.stderr).contains("OptPx_31"))
        // NO_PROXY applies to a given proxy too (as curl's does).
        let (bypassed, again) = try run(
            #"source.http { url = "\#(server.base)/ok", proxy = "http://127.0.0.1:\#(proxy.port)" }"#,
            proxyLog: log, environment: ["NO_PROXY": "127.0.0.1:\(server.port)"])
        #expect(bypassed.status == 0, "\(bypassed.stderr)")
        #expect(again.contains("\"n\""))
        #expect(carried(log).count == 1)
    }

    @Test(arguments: [
        (#"proxy = true"#, "option 'proxy' must be a proxy URL"),
        (#"proxy = "socks5://127.0.0.1:1080""#, "only http:// proxies"),
    ])
    func aWrongProxyOptionIsAnErrorThatNamesIt(option: String, message: String) throws {
        for constructor in ["source.http", "source.sse", "storage.http"] {
            let script = try Collector.script(#"\#(constructor) { url = "http://127.0.0.1:9/x", \#(option) }"#)
            let outcome = try Collector.run(["run", script])
            #expect(outcome.status == 2)
            #expect(outcome.stderr.contains("\(constructor): ") && outcome.stderr.contains(message), "\(outcome.stderr)")
        }
    }
}
