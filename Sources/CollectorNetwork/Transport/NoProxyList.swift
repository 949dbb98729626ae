import Foundation

/// `no_proxy`: destinations that go direct. Entries are separated by commas
/// (spaces allowed); each is `*` (everything), a host name (it and its
/// subdomains; a leading `.` or `*.` is ignored), an IP address or a CIDR
/// range (`10.0.0.0/8`, `fd00::/8`), optionally followed by `:port` (IPv6 in
/// brackets then: `[::1]:8080`). Names compare without regard to case.
package struct NoProxyList: Sendable, Hashable {
    private struct Rule: Sendable, Hashable {
        var host: String
        var port: Int?
        /// For an address or a CIDR range: its bytes and prefix length.
        var network: [UInt8]?
        var prefix: Int
    }

    private var matchesAll = false
    private var rules: [Rule] = []

    package init(_ text: String) {
        for piece in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            var entry = String(piece).lowercased()
            if entry == "*" {
                matchesAll = true
                continue
            }
            var port: Int?
            if entry.hasPrefix("[") {
                guard let close = entry.firstIndex(of: "]") else { continue }
                let rest = entry[entry.index(after: close)...]
                if rest.hasPrefix(":") { port = Int(rest.dropFirst()) }
                entry = String(entry[entry.index(after: entry.startIndex)..<close])
            } else if entry.filter({ $0 == ":" }).count == 1, let colon = entry.lastIndex(of: ":") {
                port = Int(entry[entry.index(after: colon)...])
                entry = String(entry[..<colon])
            }
            if entry.hasPrefix("*.") { entry.removeFirst(2) }
            while entry.hasPrefix(".") { entry.removeFirst() }
            guard !entry.isEmpty else { continue }
            var prefix = -1
            var address = entry
            if let slash = entry.firstIndex(of: "/"), let bits = Int(entry[entry.index(after: slash)...]) {
                prefix = bits
                address = String(entry[..<slash])
            }
            let network = Self.bytes(of: address)
            if let network, prefix < 0 { prefix = network.count * 8 }
            rules.append(Rule(host: address, port: port, network: network, prefix: max(0, prefix)))
        }
    }

    package var isEmpty: Bool { !matchesAll && rules.isEmpty }

    package func matches(host: String, port: Int) -> Bool {
        if matchesAll { return true }
        let name = host.lowercased()
        let address = Self.bytes(of: name)
        for rule in rules {
            if let wanted = rule.port, wanted != port { continue }
            if let network = rule.network {
                if let address, address.count == network.count, Self.same(address, network, bits: rule.prefix) { return true }
            } else if name == rule.host || name.hasSuffix("." + rule.host) {
                return true
            }
        }
        return false
    }

    /// The bytes of an IPv4 or IPv6 address in text, or `nil` for a name.
    private static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func same(_ a: [UInt8], _ b: [UInt8], bits: Int) -> Bool {
        var left = min(bits, a.count * 8)
        var index = 0
        while left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a[index] & mask != b[index] & mask { return false }
            left -= 8
            index += 1
        }
        return true
    }
}
