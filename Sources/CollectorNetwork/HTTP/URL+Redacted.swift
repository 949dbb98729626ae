import Foundation

extension URL {
    /// The URL as messages, logs, events and metadata may show it: without
    /// user and password, and with the query (which often carries an API
    /// key) reduced to `?…`. Requests use the real URL.
    package var redactedForDisplay: String {
        guard var parts = URLComponents(url: self, resolvingAgainstBaseURL: false) else { return "(a URL)" }
        parts.user = nil
        parts.password = nil
        let hadQuery = parts.query != nil
        parts.query = nil
        parts.fragment = nil
        return (parts.string ?? "(a URL)") + (hadQuery ? "?…" : "")
    }
}
