import CollectorValues
import Foundation

/// The secrets the engine knows (tokens, credentials in URLs, values of
/// secret headers and query parameters), and their removal from every
/// string that leaves the engine: events, log lines, errors, dead letters,
/// the run's summary. Whoever is given a secret registers it here when it is
/// made (a source with a token, a backend with a password), so that a
/// server echoing a request back in an error body cannot carry it out.
///
/// A secret shorter than `minimumLength` is not registered (it would
/// blank out ordinary words). Registration lasts for the process.
public final class SecretRedactor: Sendable {
    /// The process's redactor.
    public static let shared = SecretRedactor()
    /// What a secret is replaced with.
    public static let mask = "[REDACTED]"
    public static let minimumLength = 4

    /// Header names whose values are secret (lowercased), beside those that
    /// contain one of `secretWords`.
    static let secretHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie"]
    /// Parts of header and query parameter names that mark their values secret.
    static let secretWords = ["token", "secret", "password", "passwd", "key", "auth", "signature", "session", "credential"]

    /// Longest first, so a secret that holds another is replaced whole.
    private let secrets = Locked([String]())

    public init() {}

    /// Adds a secret; ignored when shorter than `minimumLength` or known already.
    public func register(_ secret: String) {
        let secret = secret.trimmingCharacters(in: .whitespaces)
        guard secret.count >= Self.minimumLength else { return }
        secrets.withLock { list in
            guard !list.contains(secret) else { return }
            list.append(secret)
            list.sort { $0.utf8.count > $1.utf8.count }
        }
    }

    /// Registers a bearer token (and the header value it makes).
    public func register(bearerToken token: String) {
        register(token)
        register("Bearer \(token)")
    }

    /// Registers the values of `headers` that are secret: `Authorization`
    /// and its kin (their credentials too, after the scheme: a Basic
    /// header's decoded `user:password` and password), and headers whose
    /// name says key, token, secret, password and the like.
    public func register(headers: [String: String]) {
        for (name, value) in headers where Self.isSecret(name: name) {
            register(value)
            let parts = value.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            register(parts[1])
            if parts[0].lowercased() == "basic", let data = Data(base64Encoded: parts[1]),
                let pair = String(data: data, encoding: .utf8)
            {
                register(pair)
                if let colon = pair.firstIndex(of: ":") { register(String(pair[pair.index(after: colon)...])) }
            }
        }
    }

    /// Registers a URL's password (and its user info), and the values of its secret query parameters.
    public func register(url: URL) {
        if let password = url.password {
            register(password)
            register(password.removingPercentEncoding ?? password)
            if let user = url.user { register("\(user):\(password)") }
        }
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return }
        // Both forms: a server echoing the request line shows the encoded one.
        for item in (components.queryItems ?? []) + (components.percentEncodedQueryItems ?? [])
        where Self.isSecret(name: item.name) {
            if let value = item.value { register(value) }
        }
    }

    /// Registers the values of secret query parameters given apart from a URL.
    public func register(query: [String: String]) {
        for (name, value) in query where Self.isSecret(name: name) { register(value) }
    }

    /// Whether a header or query parameter of this name holds a secret.
    public static func isSecret(name: String) -> Bool {
        let name = name.lowercased()
        return secretHeaders.contains(name) || secretWords.contains { name.contains($0) }
    }

    /// `text` with every known secret replaced by `mask`, and a secret's
    /// start at the very end of `text` too (an excerpt cut in the middle of one).
    public func redact(_ text: String) -> String {
        let list = secrets.withLock { $0 }
        guard !list.isEmpty else { return text }
        var text = text
        for secret in list where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: Self.mask)
        }
        for secret in list where secret.count > Self.minimumLength {
            for length in stride(from: secret.count - 1, through: Self.minimumLength, by: -1) {
                let start = secret.prefix(length)
                guard text.hasSuffix(start) else { continue }
                text = String(text.dropLast(start.count)) + Self.mask
                break
            }
        }
        return text
    }

    /// `value` with every known secret replaced in its strings (and keys).
    public func redact(_ value: DataValue) -> DataValue {
        guard secrets.withLock({ !$0.isEmpty }) else { return value }
        return redacting(value)
    }

    /// `object` with every known secret replaced in its strings.
    public func redact(_ object: DataObject) -> DataObject {
        guard secrets.withLock({ !$0.isEmpty }), case .object(let redacted) = redacting(.object(object)) else { return object }
        return redacted
    }

    private func redacting(_ value: DataValue) -> DataValue {
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let items): return .array(items.map(redacting))
        case .object(let object):
            var result = DataObject(minimumCapacity: object.count)
            for name in object.fieldNames { result[redact(name)] = redacting(object[name] ?? .null) }
            return .object(result)
        default: return value
        }
    }
}
