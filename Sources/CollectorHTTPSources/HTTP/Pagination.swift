import CollectorValues
import Foundation

/// How an HTTP source finds the next page of a collection.
public enum Pagination: Sendable, Hashable {
    /// One request per poll.
    case none
    /// Follow `Link: <url>; rel="next"` (RFC 8288), up to `maxPages` pages per poll.
    case linkHeader(maxPages: Int = 100)
    /// Read the next cursor from the JSON body at `field` (dotted path, e.g.
    /// `meta.next`) and send it as query parameter `parameter`; a missing,
    /// null or empty cursor ends the collection. Up to `maxPages` pages per poll.
    case cursor(field: String, parameter: String, maxPages: Int = 100)
    /// Send the page number as query parameter `parameter`, from `start`
    /// up by one, until a page has no items: the JSON array at `itemsField`
    /// (dotted path; `nil`: the body itself) is empty or missing. Up to
    /// `maxPages` pages per poll.
    case pageNumber(parameter: String, start: Int = 1, itemsField: String? = nil, maxPages: Int = 100)

    var maxPages: Int {
        switch self {
        case .none: 1
        case .linkHeader(let max), .cursor(_, _, let max), .pageNumber(_, _, _, let max): Swift.max(1, max)
        }
    }
}

enum PageLinks {
    /// The `rel="next"` target of a `Link` header, resolved against `base`.
    static func next(linkHeader: String?, base: URL) -> URL? {
        guard let linkHeader else { return nil }
        for link in linkHeader.split(separator: ",") {
            let parts = link.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = parts.dropFirst().contains { parameter in
                let pair = parameter.split(separator: "=", maxSplits: 1).map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
                return pair.count == 2 && pair[0].lowercased() == "rel"
                    && pair[1].lowercased().split(separator: " ").contains("next")
            }
            if isNext { return URL(string: String(target.dropFirst().dropLast()), relativeTo: base)?.absoluteURL }
        }
        return nil
    }

    /// The cursor at `field` in a JSON body, as query text.
    static func cursor(in body: [UInt8], field: String) -> String? {
        guard let value = value(in: body, at: field) else { return nil }
        switch value {
        case .string(let text): return text.isEmpty ? nil : text
        case .integer(let number): return String(number)
        default: return nil
        }
    }

    /// Whether a page of a page-numbered collection has items: a non-empty
    /// JSON array at `field` (or as the body). Anything else ends the collection.
    static func hasItems(_ body: [UInt8], field: String?) -> Bool {
        guard let field else {
            guard case .array(let items)? = try? JSONReader().read(body) else { return false }
            return !items.isEmpty
        }
        guard case .array(let items)? = value(in: body, at: field) else { return false }
        return !items.isEmpty
    }

    /// The value at a dotted path in a JSON body.
    private static func value(in body: [UInt8], at path: String) -> DataValue? {
        guard var value = try? JSONReader().read(body) else { return nil }
        for key in path.split(separator: ".") {
            guard let inner = value[String(key)] else { return nil }
            value = inner
        }
        return value
    }

    /// `url` with query parameter `name` set to `value` (replacing an
    /// existing one). Name and value are percent-encoded but for RFC 3986's
    /// unreserved characters: `+`, `&`, `=` and spaces in a value reach the
    /// server as they were given.
    static func setting(_ name: String, to value: String, in url: URL) -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return url }
        let encodedName = encoded(name)
        var items = (components.percentEncodedQueryItems ?? []).filter { $0.name != encodedName }
        items.append(URLQueryItem(name: encodedName, value: encoded(value)))
        components.percentEncodedQueryItems = items
        return components.url ?? url
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
