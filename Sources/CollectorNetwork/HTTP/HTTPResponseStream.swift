import Foundation

/// A response whose body is read as it arrives (a stream of events): the
/// head is there; `next()` gives each piece of the body.
package final class HTTPResponseStream {
    package let head: HTTPHead
    /// The URL that answered (after redirects).
    package let url: URL
    package let connection: HTTPConnection
    private let deadline: Deadline

    init(head: HTTPHead, url: URL, connection: HTTPConnection, deadline: Deadline) {
        self.head = head
        self.url = url
        self.connection = connection
        self.deadline = deadline
    }

    /// The next bytes of the body, as they come; nil at its end.
    package nonisolated(nonsending) func next() async throws(NetworkError) -> [UInt8]? {
        var piece: [UInt8] = []
        while piece.isEmpty {
            guard try await connection.readBody(into: &piece, deadline: deadline) else { break }
        }
        return piece.isEmpty ? nil : piece
    }

    /// Reads the rest of the body, up to `limit` bytes (more is an error and is not read).
    package nonisolated(nonsending) func readAll(limit: Int) async throws(NetworkError) -> [UInt8] {
        if let length = connection.announcedLength, length > limit { throw tooLarge(limit) }
        var body: [UInt8] = []
        while try await connection.readBody(into: &body, deadline: deadline) {
            if body.count > limit { throw tooLarge(limit) }
        }
        if body.count > limit { throw tooLarge(limit) }
        return body
    }

    private func tooLarge(_ limit: Int) -> NetworkError {
        connection.close()
        return NetworkError(
            .responseTooLarge(limit: limit, status: head.status), "the response from \(url.redactedForDisplay) is larger than \(limit) bytes")
    }

    /// Stops reading: the connection is closed.
    package func close() { connection.close() }
}
