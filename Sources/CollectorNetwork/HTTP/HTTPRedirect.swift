import Foundation

/// Which redirects the client follows, and the request it sends next.
///
/// As URLSession does (the sources used it before): 301, 302, 303, 307
/// and 308 with a `Location` are followed (305 Use Proxy, deprecated for
/// its risks, is not); 303, and 301/302 after a POST, become a GET without
/// body; the others repeat the method and body. The
/// request's headers go along (conditional ones included), except
/// `Authorization` and `Cookie` when the redirect leaves the origin: a
/// token for one server is not handed to another.
enum HTTPRedirect {
    static func next(after head: HTTPHead, to request: HTTPRequest) -> HTTPRequest? {
        guard [301, 302, 303, 307, 308].contains(head.status), let location = head.headers["Location"],
            let url = URL(string: location, relativeTo: request.url)?.absoluteURL
        else { return nil }
        var method = request.method
        var body = request.body
        var headers = request.headers
        if (head.status == 303 && method != "HEAD") || ((head.status == 301 || head.status == 302) && method == "POST") {
            method = "GET"
            body = nil
            headers.remove("Content-Type")
        }
        guard var next = try? HTTPRequest(method: method, url: url, headers: headers, body: body) else { return nil }
        if next.endpoint != request.endpoint {
            next.headers.remove("Authorization")
            next.headers.remove("Cookie")
        }
        return next
    }
}
