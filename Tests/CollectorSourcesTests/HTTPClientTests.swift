import CollectorNetwork
import CollectorHTTPSources
import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

/// The HTTP/1.1 client under the HTTP and SSE sources, against the fixture
/// server: connection reuse, framing, redirects, TLS.
@Suite struct HTTPClientTests {
    private func send(
        _ client: HTTPClient, _ url: URL, method: String = "GET", headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8]? = nil
    ) async throws -> HTTPResponse {
        try await client.send(HTTPRequest(method: method, url: url, headers: headers, body: body), maxBodySize: 1 << 20)
    }

    private func json(_ response: HTTPResponse) throws -> DataValue { try JSONReader().read(response.body) }

    /// How many requests each path of the fixture has had (asked on a connection of its own).
    private func requests(_ server: Fixture) async throws -> DataValue {
        try json(try await send(HTTPClient(), server.url("/requests")))
    }

    @Test func oneConnectionCarriesEveryPollOfASource() async throws {
        try await Fixture.with { server in
            let source = HTTPSource(id: "api", url: server.url("/conn"))
            var answers: [DataValue] = []
            for _ in 0..<5 { answers.append(try JSONReader().read(try await source.collect().payload)) }
            #expect(answers.map { $0["connection"] } == [1, 1, 1, 1, 1])
            #expect(answers.map { $0["request"] } == [1, 2, 3, 4, 5])
            #expect(await source.connectionsOpened == 1)
            await source.disconnect()
        }
    }

    @Test func aConnectionTheServerClosedIsReplacedWithoutAnError() async throws {
        try await Fixture.with { server in
            // Closed silently after the answer, as an idle timeout does.
            let silent = HTTPSource(id: "silent", url: server.url("/conn/close"))
            let first = try JSONReader().read(try await silent.collect().payload)
            let second = try JSONReader().read(try await silent.collect().payload)
            #expect([first["connection"], second["connection"]] == [1, 2])
            #expect(second["request"] == 1)
            #expect(await silent.connectionsOpened == 2)
            // Closed with `Connection: close` said in the answer.
            let announced = HTTPSource(id: "announced", url: server.url("/conn?close=1"))
            let third = try JSONReader().read(try await announced.collect().payload)
            let fourth = try JSONReader().read(try await announced.collect().payload)
            #expect([third["connection"], fourth["connection"]] == [3, 4])
        }
    }

    @Test func aGETIsSentAgainWhenTheReusedConnectionDropsItButAPOSTIsNot() async throws {
        try await Fixture.with { server in
            let client = HTTPClient(options: .init(timeout: .seconds(10)))
            _ = try await send(client, server.url("/conn/drop-next"))
            // Connection 1 reads the GET and closes without an answer: it goes again on a new one.
            let answer = try json(try await send(client, server.url("/conn")))
            #expect(answer["connection"] == 2)
            #expect(client.connectionsOpened == 2)
            #expect(try await requests(server)["/conn"] == 2)

            _ = try await send(client, server.url("/conn/drop-next"))
            do {
                _ = try await send(client, server.url("/echo"), method: "POST", body: Array("once".utf8))
                Issue.record("the dropped POST was answered")
            } catch {
                #expect((error as? NetworkError)?.kind == .connectionLost)
            }
            #expect(try await requests(server)["/echo"] == 1)  // the server saw it once: it was not resent
        }
    }

    @Test func chunkedBodiesAreReadToTheirTrailers() async throws {
        try await Fixture.with { server in
            let client = HTTPClient()
            let response = try await send(client, server.url("/chunked?pieces=4"))
            #expect(String(decoding: response.body, as: UTF8.self) == (0..<4).map { "{\"piece\":\($0)}\n" }.joined())
            #expect(response.header("Transfer-Encoding") == "chunked")
            // The last chunk and the trailer were read: the connection carries the next request.
            let next = try json(try await send(client, server.url("/conn")))
            #expect(next["request"] == 2)
            #expect(client.connectionsOpened == 1)
        }
    }

    @Test func headNoContentAndNotModifiedHaveNoBody() async throws {
        try await Fixture.with { server in
            let client = HTTPClient(options: .init(timeout: .seconds(10)))
            let head = try await send(client, server.url("/big?size=5000"), method: "HEAD")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "5000")
            #expect(head.body.isEmpty)
            let noContent = try await send(client, server.url("/status/204"))
            #expect(noContent.status == 204)
            #expect(noContent.body.isEmpty)
            let tagged = try await send(client, server.url("/etag"))
            let etag = try #require(tagged.header("ETag"))
            // The 304 announces the length of the representation and sends no body.
            let notModified = try await send(client, server.url("/etag"), headers: HTTPHeaders([("If-None-Match", etag)]))
            #expect(notModified.status == 304)
            #expect(notModified.body.isEmpty)
            let next = try json(try await send(client, server.url("/conn")))
            #expect(next["request"] == 5)
            #expect(client.connectionsOpened == 1)
        }
    }

    @Test func redirectsAreFollowedAsURLSessionDid() async throws {
        try await Fixture.with { server in
            let client = HTTPClient()
            let moved = try await send(client, server.url("/redirect?to=/ok"))
            #expect(moved.status == 200)
            #expect(moved.url.path == "/ok")
            // 302 after a POST: a GET without body; 307: the same method and body.
            let found = try json(try await send(client, server.url("/redirect?to=/echo"), method: "POST", body: Array("x".utf8)))
            #expect(found["method"] == "GET")
            #expect(found["body"] == "")
            let temporary = try json(
                try await send(client, server.url("/redirect?to=/echo&status=307"), method: "POST", body: Array("x".utf8)))
            #expect(temporary["method"] == "POST")
            #expect(temporary["body"] == "x")
            do {
                _ = try await send(client, server.url("/redirect/loop"))
                Issue.record("a redirect loop was followed forever")
            } catch {
                #expect((error as? NetworkError)?.kind == .tooManyRedirects)
            }
        }
    }

    @Test func aTokenIsNotHandedToAnotherOriginOnRedirect() async throws {
        try await Fixture.with { server in
            try await Fixture.with { other in
                let client = HTTPClient()
                let token = HTTPHeaders([("Authorization", "Bearer secret")])
                let same = try json(try await send(client, server.url("/redirect?to=/echo"), headers: token))
                #expect(same["headers"]?["authorization"] == "Bearer secret")
                let elsewhere = try json(
                    try await send(client, server.url("/redirect?to=\(other.url("/echo").absoluteString)"), headers: token))
                #expect(elsewhere["path"] == "/echo")
                #expect(elsewhere["headers"]?["authorization"] == nil)
            }
        }
    }

    @Test func httpsWithATrustedCertificateAndFailureWithoutIt() async throws {
        try await TestSupport.withTemporaryDirectory { directory in
            try await Fixture.with(arguments: ["--tls", directory]) { server in
                let url = URL(string: "https://127.0.0.1:\(server.port)/conn")!
                let source = HTTPSource(id: "tls", url: url, options: .init(tlsCAFile: directory + "/cert.pem"))
                let first = try JSONReader().read(try await source.collect().payload)
                let second = try JSONReader().read(try await source.collect().payload)
                #expect([first["request"], second["request"]] == [1, 2])  // kept alive over TLS
                await source.disconnect()
                let untrusted = HTTPSource(id: "untrusted", url: url)
                let error = await #expect(throws: ErrorInfo.self) { _ = try await untrusted.collect() }
                #expect(error?.type == .connection)
                #expect(error?.isRetryable == false)
                #expect(error?.details["network_error"] == .string("tls_failed"))
            }
        }
    }
}
