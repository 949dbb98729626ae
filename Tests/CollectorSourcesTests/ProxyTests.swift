import CollectorNetwork
import CollectorHTTPSources
import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

/// Proxies as curl honours them: which destinations go through which
/// proxy, and real requests through a local proxy (tests/Fixtures/proxy_fixture.py)
/// that logs what it carried: plain HTTP in absolute form, HTTPS through a
/// CONNECT tunnel, credentials, refusals.
@Suite struct ProxyTests {
    // MARK: - Which proxy, from the environment

    private func endpoint(_ host: String, _ port: Int = 80, secure: Bool = false) -> Endpoint {
        Endpoint(secure: secure, host: host, port: port)
    }

    @Test func theEnvironmentPicksAProxyBySchemeLowerCaseFirst() throws {
        let settings = ProxySettings.environment([
            "http_proxy": "http://lower:3128", "HTTP_PROXY": "http://upper:3128", "HTTPS_PROXY": "secure-proxy:8443",
        ])
        #expect(try settings.server(for: endpoint("api.example.com"))?.description == "http://lower:3128")
        #expect(try settings.server(for: endpoint("api.example.com", 443, secure: true))?.description == "http://secure-proxy:8443")
        let fallback = ProxySettings.environment(["ALL_PROXY": "http://everything:1080"])
        #expect(try fallback.server(for: endpoint("a.example", 443, secure: true))?.description == "http://everything:1080")
        #expect(try ProxySettings.environment([:]).server(for: endpoint("a.example")) == nil)
    }

    @Test func loopbackNeverGoesThroughAProxyFromTheEnvironment() throws {
        let settings = ProxySettings.environment(["http_proxy": "http://proxy:3128", "https_proxy": "http://proxy:3128"])
        for host in ["127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost", "LOCALHOST", "metrics.localhost"] {
            #expect(try settings.server(for: endpoint(host)) == nil, "\(host)")
        }
        #expect(try settings.server(for: endpoint("10.0.0.1")) != nil)
        // A proxy given by the caller takes loopback too.
        let given = try ProxySettings.fixed("http://127.0.0.1:3128", environment: [:])
        #expect(try given.server(for: endpoint("127.0.0.1", 8080)) != nil)
    }

    @Test(arguments: [
        ("example.com", "example.com", 80, true),
        ("example.com", "api.example.com", 80, true),
        (".example.com", "api.example.com", 80, true),
        ("*.example.com", "api.example.com", 80, true),
        ("example.com", "notexample.com", 80, false),
        ("EXAMPLE.com", "Api.Example.COM", 80, true),
        ("example.com:8080", "example.com", 8080, true),
        ("example.com:8080", "example.com", 80, false),
        ("10.0.0.0/8", "10.20.30.40", 80, true),
        ("10.0.0.0/8", "11.0.0.1", 80, false),
        ("192.168.1.7", "192.168.1.7", 443, true),
        ("fd00::/8", "fd12::1", 80, true),
        ("[::1]:9000", "::1", 9000, true),
        ("*", "anything.at.all", 1, true),
        ("a.example, b.example", "x.b.example", 80, true),
        ("", "example.com", 80, false),
    ])
    func noProxyMatchesAsCurlDoes(list: String, host: String, port: Int, bypassed: Bool) throws {
        #expect(NoProxyList(list).matches(host: host, port: port) == bypassed)
        let settings = ProxySettings.environment(["http_proxy": "http://proxy:3128", "NO_PROXY": list])
        #expect(try (settings.server(for: endpoint(host, port)) == nil) == bypassed)
    }

    @Test func aProxyThatIsNotAURLIsAnErrorNotADirectConnection() throws {
        let settings = ProxySettings.environment(["https_proxy": "socks5://user:SocksPw_99@proxy:1080"])
        let error = #expect(throws: NetworkError.self) { try settings.server(for: endpoint("a.example", 443, secure: true)) }
        #expect(error?.message.contains("https_proxy") == true)
        #expect(error?.message.contains("SocksPw_99") == false)
        #expect(throws: NetworkError.self) { try ProxySettings.fixed("http://", environment: [:]) }
    }

    // MARK: - Through a real proxy

    /// What the proxy carried: one entry per connection, `auth` nil when none was sent.
    private func proxied(_ log: String) throws -> [[String: String]] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?.compactMapValues { $0 as? String }
        }
    }

    private func withProxy<T>(
        _ arguments: [String] = [], _ body: (Fixture, String) async throws -> T
    ) async throws -> T {
        try await TestSupport.withTemporaryDirectory { directory in
            let log = directory + "/proxy.jsonl"
            return try await Fixture.with("proxy_fixture.py", arguments: [log] + arguments) { proxy in
                try await body(proxy, log)
            }
        }
    }

    @Test func plainHTTPGoesToTheProxyInAbsoluteFormWithItsCredentials() async throws {
        try await Fixture.with { server in
            try await withProxy(["--auth", "ann:PxSecret_42"]) { proxy, log in
                // A name that does not resolve: only the proxy needs to know it.
                let url = URL(string: "http://api.example.invalid:\(server.port)/echo")!
                let source = HTTPSource(
                    id: "p", url: url, options: .init(proxy: .url("http://ann:PxSecret_42@127.0.0.1:\(proxy.port)")))
                let echo = try JSONReader().read(try await TestSupport.guarded { try await source.collect() }.payload)
                #expect(echo["path"] == "/echo")
                await source.disconnect()
                let carried = try proxied(log)
                #expect(carried.count == 1)
                #expect(carried.first?["kind"] == "forward")
                #expect(carried.first?["target"] == "http://api.example.invalid:\(server.port)/echo")
                #expect(carried.first?["auth"] == "Basic " + Data("ann:PxSecret_42".utf8).base64EncodedString())
                #expect(!SecretRedactor.shared.redact("ann:PxSecret_42").contains("PxSecret_42"))
            }
        }
    }

    @Test func httpsGoesThroughACONNECTTunnel() async throws {
        try await TestSupport.withTemporaryDirectory { directory in
            try await Fixture.with(arguments: ["--tls", directory]) { server in
                try await withProxy { proxy, log in
                    let url = URL(string: "https://127.0.0.1:\(server.port)/conn")!
                    let source = HTTPSource(
                        id: "tls", url: url,
                        options: .init(tlsCAFile: directory + "/cert.pem", proxy: .url("127.0.0.1:\(proxy.port)")))
                    var numbers: [DataValue?] = []
                    for _ in 0..<3 {
                        numbers.append(try JSONReader().read(try await TestSupport.guarded { try await source.collect() }.payload)["request"])
                    }
                    await source.disconnect()
                    // The tunnel is kept alive like a direct connection: a request
                    // goes on one that carried a request before, through fewer
                    // CONNECTs than requests. (Not exactly one: on a loaded
                    // machine a connection found stale at reuse is replaced, as
                    // a direct one would be.)
                    #expect(numbers.contains { (value: DataValue?) in value == .integer(2) || value == .integer(3) }, "request numbers on their connections: \(numbers)")
                    let tunnels = try proxied(log)
                    #expect(tunnels.allSatisfy { $0["kind"] == "connect" } && tunnels.count < 3, "\(tunnels)")
                    #expect(tunnels.first?["target"] == "127.0.0.1:\(server.port)")
                }
            }
        }
    }

    @Test func noProxyBypassesAGivenProxy() async throws {
        try await Fixture.with { server in
            try await withProxy { proxy, log in
                let settings = try ProxySettings.fixed("http://127.0.0.1:\(proxy.port)", environment: ["no_proxy": "127.0.0.1"])
                let client = HTTPClient(options: .init(proxy: settings))
                // The client's own timeouts bound the wait.
                let response = try await client.send(try HTTPRequest(url: server.url("/ok")), maxBodySize: 1 << 20)
                client.close()
                #expect(response.status == 200)
                #expect(try proxied(log).isEmpty)
            }
        }
    }

    @Test(arguments: [403, 407, 502])
    func aProxyThatRefusesSaysSoAndNamesItselfWithoutCredentials(status: Int) async throws {
        try await withProxy(["--refuse", String(status)]) { proxy, _ in
            let source = HTTPSource(
                id: "refused", url: URL(string: "https://api.example.invalid/items")!,
                options: .init(proxy: .url("http://ann:PxRefused_77@127.0.0.1:\(proxy.port)")))
            let error = await #expect(throws: ErrorInfo.self) { _ = try await TestSupport.guarded { try await source.collect() } }
            #expect(error?.message.contains("the proxy http://127.0.0.1:\(proxy.port) refused CONNECT to api.example.invalid:443: HTTP \(status)") == true,
                    "\(error?.message ?? "")")
            #expect(error?.message.contains("PxRefused_77") == false)
            #expect(error?.details["network_error"] == .string("proxy_refused"))
            // A refused credential or a forbidden destination stays so; a proxy's own 5xx may pass.
            #expect(error?.isRetryable == (status >= 500))
        }
    }

    @Test func aProxyThatIsDownIsNamedInTheError() async throws {
        let port = try await Fixture.with("proxy_fixture.py", arguments: ["/dev/null"]) { $0.port }
        let source = HTTPSource(
            id: "down", url: URL(string: "http://api.example.invalid/items")!, options: .init(proxy: .url("http://127.0.0.1:\(port)")))
        let error = await #expect(throws: ErrorInfo.self) { _ = try await TestSupport.guarded { try await source.collect() } }
        #expect(error?.message.contains("cannot reach the proxy http://127.0.0.1:\(port)") == true, "\(error?.message ?? "")")
        #expect(error?.isRetryable == true)
    }
}
