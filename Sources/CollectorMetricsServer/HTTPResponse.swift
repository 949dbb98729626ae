/// A response as the server sends it: always with a length, never chunked.
struct HTTPResponse {
    var status: Int
    var contentType: String
    var body: String
    var extraHeaders: [(String, String)]

    init(_ status: Int, _ body: String, contentType: String = "text/plain; charset=utf-8", extraHeaders: [(String, String)] = []) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.extraHeaders = extraHeaders
    }

    /// The bytes to send; `includeBody` is false for `HEAD` (the length is still the body's).
    func serialized(keepAlive: Bool, includeBody: Bool) -> [UInt8] {
        let body = Array(body.utf8)
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\n"
        head += "Cache-Control: no-store\r\n"
        for (name, value) in extraHeaders { head += "\(name): \(value)\r\n" }
        head += "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        return Array(head.utf8) + (includeBody ? body : [])
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
