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

    var maxPages: Int {
        switch self {
        case .none: 1
        case .linkHeader(let max), .cursor(_, _, let max): Swift.max(1, max)
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
        guard var value = try? JSONReader().read(body) else { return nil }
        for key in field.split(separator: ".") {
            guard let inner = value[String(key)] else { return nil }
            value = inner
        }
        switch value {
        case .string(let text): return text.isEmpty ? nil : text
        case .integer(let number): return String(number)
        default: return nil
        }
    }

    /// `url` with query parameter `name` set to `value` (replacing an existing one).
    static func setting(_ name: String, to value: String, in url: URL) -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return url }
        var items = (components.queryItems ?? []).filter { $0.name != name }
        items.append(URLQueryItem(name: name, value: value))
        components.queryItems = items
        return components.url ?? url
    }
}
