import CPostgres
import Collectors

/// A connection URL (or `key=value` string), parsed by libpq itself, and the
/// forms of it that may be shown: the password never leaves this type except
/// to libpq.
struct PostgresEndpoint: Sendable {
    /// What libpq gets.
    let conninfo: String
    /// `postgresql://user@host:port/dbname`, without the password.
    let redacted: String
    let host: String
    let port: String
    let database: String
    let user: String
    /// Strings to scrub from any message: the password, as given and decoded.
    private let secrets: [String]

    init(_ conninfo: String) throws(ErrorInfo) {
        self.conninfo = conninfo
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rawPassword = Self.rawURLPassword(conninfo)
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let text = errorMessage.map { String(cString: $0) } ?? "invalid connection string"
            PQfreemem(errorMessage)
            let scrubbed = Self.scrub(text, secrets: [rawPassword].compactMap { $0 })
            throw ErrorInfo(
                .configuration, layer: .storage, operation: "configure",
                message: "invalid PostgreSQL connection URL: \(scrubbed.trimmingTrailingNewlines)")
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        host = values["host"] ?? values["hostaddr"] ?? "localhost"
        port = values["port"] ?? "5432"
        database = values["dbname"] ?? values["user"] ?? ""
        user = values["user"] ?? ""
        secrets = [values["password"], rawPassword].compactMap { $0 }.filter { !$0.isEmpty }
        // Whatever else may show it (an event, a log line) scrubs it too.
        for secret in secrets { SecretRedactor.shared.register(secret) }
        let shownHost = host.hasPrefix("/") ? "[\(host)]" : host
        redacted = "postgresql://\(user.isEmpty ? "" : "\(user)@")\(shownHost):\(port)/\(database)"
    }

    /// The message with every form of the password replaced by `***`.
    func scrub(_ message: String) -> String {
        Self.scrub(message, secrets: secrets)
    }

    private static func scrub(_ message: String, secrets: [String]) -> String {
        var message = message
        for secret in secrets where !secret.isEmpty {
            message = message.replacing(secret, with: "***")
        }
        return message
    }

    /// The password as written in a URL's user info (maybe percent-encoded).
    private static func rawURLPassword(_ conninfo: String) -> String? {
        guard let scheme = conninfo.firstRange(of: "://") else { return nil }
        let rest = conninfo[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let userInfo = rest[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        let password = String(userInfo[userInfo.index(after: colon)...])
        return password.isEmpty ? nil : password
    }
}

extension String {
    var trimmingTrailingNewlines: String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }

}
