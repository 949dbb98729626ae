import Foundation
import Testing

/// `source.http` from a script, with its options, against the suite's
/// HTTP fixture on loopback: every page of a paginated API, a POST body,
/// query parameters, and option errors that name the option.
@Suite("collector run: source.http", .timeLimit(.minutes(2)))
struct HTTPSourceRunTests {
    /// Runs `source` (a `source.http{}` expression with `URL` for the
    /// fixture's address) into a JSON-lines file with `--once`; the records.
    private func collect(_ source: String, server: LoopbackFixture) throws -> (Collector.Outcome, [[String: Any]]) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("http-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: output) }
        let script = try Collector.script("""
            local URL = "\(server.base)"
            local api = \(source)
            pipeline "p" { from = api, to = storage.jsonl { path = "\(output.path)" } }
            """)
        let outcome = try Collector.run(["run", "--once", script])
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let records = text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        return (outcome, records)
    }

    @Test func readsEveryPageOfALinkHeaderCollection() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let (outcome, records) = try collect(#"source.http { url = URL .. "/pages", pagination = "link" }"#, server: server)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(records.map { $0["page"] as? Int } == [1, 2, 3])
    }

    @Test func readsEveryPageOfACursorCollection() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let (outcome, records) = try collect(
            #"source.http { url = URL .. "/cursor", pagination = "cursor", cursor_field = "meta.next", cursor_param = "cursor" }"#,
            server: server)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(records.map { ($0["items"] as? [String])?.first } == ["c1", "c2", "c3"])
    }

    @Test func readsNumberedPagesUntilAnEmptyOne() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let (outcome, records) = try collect(
            #"source.http { url = URL .. "/numbered", pagination = "page", page_items = "data", max_pages = 10 }"#,
            server: server)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let pages = records.map { (($0["data"] as? [[String: Any]])?.first?["page"] as? Int) ?? 0 }
        // Pages 1 to 3 hold items; the empty page 4 ends the collection.
        #expect(pages == [1, 2, 3, 0])
    }

    @Test func postsABodyAsJSONWithQueryParameters() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let (outcome, records) = try collect(
            #"""
            source.http {
              url = URL .. "/echo?fixed=1", method = "POST", body = { name = "probe", values = { 1, 2.5 } },
              query = { q = "a b+c&d=e", limit = 50, on = true },
            }
            """#, server: server)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let echo = try #require(records.first)
        #expect(echo["method"] as? String == "POST")
        let query = echo["query"] as? [String: String]
        #expect(query == ["fixed": "1", "q": "a b+c&d=e", "limit": "50", "on": "true"])
        #expect((echo["headers"] as? [String: String])?["content-type"] == "application/json")
        let body = try JSONSerialization.jsonObject(with: Data(((echo["body"] as? String) ?? "").utf8)) as? [String: Any]
        #expect(body?["name"] as? String == "probe")
        #expect(((body?["values"] as? [Any]) ?? []).map { "\($0)" } == ["1", "2.5"])
    }

    @Test func aStringBodyIsSentAsItIsWithTheGivenContentType() throws {
        let server = try LoopbackFixture("http_fixture.py")
        let (outcome, records) = try collect(
            #"source.http { url = URL .. "/echo", method = "PUT", body = "a=1&b=2", headers = { ["Content-Type"] = "application/x-www-form-urlencoded" } }"#,
            server: server)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(records.first?["method"] as? String == "PUT")
        #expect(records.first?["body"] as? String == "a=1&b=2")
        #expect((records.first?["headers"] as? [String: String])?["content-type"] == "application/x-www-form-urlencoded")
    }

    @Test(arguments: [
        (#"pagination = "cursor""#, "option 'cursor_field' is required"),
        (#"cursor_field = "meta.next""#, #"option 'cursor_field' needs pagination = "cursor""#),
        (#"page_items = "data", pagination = "link""#, #"option 'page_items' needs pagination = "page""#),
        (#"body = "x""#, "option 'body' needs method"),
        (#"method = "POST", body = 12"#, "option 'body' must be a string or a table"),
        (#"query = { q = { 1 } }"#, "option 'query.q' must be"),
        (#"pagination = "pages""#, "option 'pagination' must be one of"),
        (#"verify_tls = "no""#, "option 'verify_tls' must be a boolean"),
        (#"max_pages = 0, pagination = "link""#, "option 'max_pages' must be an integer from 1"),
    ])
    func aWrongOptionIsAnErrorThatNamesIt(options: String, message: String) throws {
        let script = try Collector.script(#"source.http { url = "http://127.0.0.1:9/x", "# + options + " }")
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("source.http: " + message), "\(outcome.stderr)")
    }

    @Test func aWebSocketTokenIsNeverShown() throws {
        let script = try Collector.script(#"""
            local ws = source.websocket { url = "ws://127.0.0.1:9/feed", token = "WsTokenMarker_77" }
            print(tostring(ws))
            """#)
        let outcome = try Collector.run(["run", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("token ***"))
        #expect(!(outcome.stdout + outcome.stderr).contains("WsTokenMarker_77"))
    }
}
