import Foundation

/// A whole response: status, header fields and body.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: HTTPHeaders
    package var body: [UInt8]
    /// The URL that answered (the last one, after redirects).
    package var url: URL

    package init(status: Int, headers: HTTPHeaders, body: [UInt8], url: URL) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }

    /// A header by case-insensitive name; repeated fields joined with ", ".
    package func header(_ name: String) -> String? { headers[name] }
}
