import Foundation

/// `CONNECT host:port` through an HTTP proxy (RFC 9110 §9.3.6): after a 2xx
/// answer the connection is a tunnel to the destination, for TLS or a
/// WebSocket upgrade.
enum ProxyTunnel {
    private static let maxHead = 16 << 10

    static nonisolated(nonsending) func open(
        _ channel: any ByteChannel, to endpoint: Endpoint, via proxy: ProxyServer, deadline: Deadline
    ) async throws(NetworkError) {
        var request = "CONNECT \(endpoint.description) HTTP/1.1\r\nHost: \(endpoint.description)\r\n"
        if let authorization = proxy.authorization { request += "Proxy-Authorization: \(authorization)\r\n" }
        request += "User-Agent: DataCollector\r\n\r\n"
        try await channel.write(Array(request.utf8), deadline: deadline)
        // Read byte by byte: nothing past the answer's head may be taken from
        // the tunnel (the destination's first bytes belong to TLS).
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !(head.count >= 4 && head.suffix(4).elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]))
            && !(head.count >= 2 && head.suffix(2).elementsEqual([0x0A, 0x0A]))
        {
            let count = try await channel.perform(
                { withUnsafeMutableBytes(of: &byte) { channel.receive(into: $0) } }, deadline: deadline)
            guard count > 0 else {
                throw NetworkError(
                    .connectionLost, "the proxy \(proxy) closed the connection instead of answering CONNECT \(endpoint)")
            }
            head.append(byte)
            guard head.count < maxHead else {
                throw NetworkError(.badResponse, "the proxy \(proxy) sent a CONNECT answer over \(maxHead >> 10) KiB")
            }
        }
        let text = head.prefix { $0 != 0x0A }
        guard let parsed = HTTPHead.parse(head[...].dropLast(head.suffix(4).elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]) ? 4 : 2)) else {
            throw NetworkError(
                .badResponse, "the proxy \(proxy) did not answer CONNECT with HTTP: '\(String(decoding: text.prefix(80), as: UTF8.self))'")
        }
        guard (200...299).contains(parsed.status) else {
            let reason = parsed.reason.isEmpty ? "" : " \(parsed.reason)"
            throw NetworkError(
                .proxyRefused(status: parsed.status),
                "the proxy \(proxy) refused CONNECT to \(endpoint): HTTP \(parsed.status)\(reason)")
        }
    }
}
