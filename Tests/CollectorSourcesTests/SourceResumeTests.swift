import CollectorHTTPSources
import CollectorSources
import CollectorValues
import Collectors
import Foundation
import Testing

/// What HTTP and SSE sources put on their items for a resume store, and
/// how a new source (the next run's) goes on from it.
@Suite struct SourceResumeTests {
    @Test func anHTTPSourceResumedMidPollReadsTheNextPageFirst() async throws {
        try await Fixture.with { server in
            let options = HTTPSource.Options(pagination: .cursor(field: "meta.next", parameter: "cursor"), interval: .seconds(3600))
            let first = HTTPSource(id: "api", url: server.url("/cursor"), options: options)
            let page1 = try await TestSupport.guarded { try await first.collect() }
            #expect(TestSupport.text(page1).contains("\"c1\""))
            let checkpoint = try #require(page1.checkpoint)
            await first.disconnect()

            let next = HTTPSource(id: "api", url: server.url("/cursor"), options: options)
            await next.resume(from: checkpoint)
            let page2 = try await TestSupport.guarded { try await next.collect() }
            #expect(TestSupport.text(page2).contains("\"c2\""), "\(TestSupport.text(page2))")
            #expect(page2.metadata["page"] == .integer(2))
            await next.disconnect()
        }
    }

    @Test func anHTTPSourceResumedWithItsValidatorsDoesNotCollectAnUnchangedResource() async throws {
        try await Fixture.with { server in
            let first = HTTPSource(id: "api", url: server.url("/etag"))
            let item = try await TestSupport.guarded { try await first.collect() }
            let checkpoint = try #require(item.checkpoint)
            #expect(item.key != nil, "a page with an ETag has a stable key")
            await first.disconnect()

            let next = HTTPSource(id: "api", url: server.url("/etag"))
            await next.resume(from: checkpoint)
            await #expect(throws: SourceUnchanged.self) { try await TestSupport.guarded { try await next.collect() } }
            // A source that was not resumed collects it.
            let fresh = HTTPSource(id: "api", url: server.url("/etag"))
            let again = try await TestSupport.guarded { try await fresh.collect() }
            #expect(again.key == item.key, "the same page read again gets the same key")
            await next.disconnect()
            await fresh.disconnect()
        }
    }

    @Test func anSSESourceResumedFromAnEventIDAsksForTheEventsAfterIt() async throws {
        try await Fixture.with { server in
            // /sse/forever numbers its events on from Last-Event-ID.
            let source = SSESource(id: "sse", url: server.url("/sse/forever"), options: .init(format: .text))
            await source.resume(from: .string("5"))
            let item = try await TestSupport.guarded { try await source.collect() }
            #expect(TestSupport.text(item) == "6")
            #expect(item.checkpoint == .string("6"))
            #expect(item.key == "6#1")
            await source.disconnect()
        }
    }
}
