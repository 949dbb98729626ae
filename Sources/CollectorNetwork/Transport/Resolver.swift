import Collectors
import Foundation

/// One address to connect to, copied out of `getaddrinfo`'s list.
package struct SocketAddress: @unchecked Sendable {
    // `@unchecked`: plain C values (no pointers), copied by value.
    var family: Int32
    var type: Int32
    var proto: Int32
    var storage: sockaddr_storage
    var length: socklen_t
}

/// Host names to addresses with `getaddrinfo`. A numeric address is
/// converted at once (no lookup, nothing blocks); a name is looked up on a
/// thread of its own, because `getaddrinfo` blocks for as long as the DNS
/// server takes and must not hold a thread of Swift's cooperative pool.
package enum Resolver {
    package nonisolated(nonsending) static func resolve(
        _ host: String, port: Int, deadline: Deadline
    ) async throws(NetworkError) -> [SocketAddress] {
        if case .success(let addresses) = lookUp(host, port: port, numericOnly: true) { return addresses }
        if let problem = nameProblem(host) {
            throw NetworkError(.hostNotFound, "host not found: '\(host)' cannot be a host name (\(problem))")
        }
        return try await lookUpOnThread(host, port: port, deadline: deadline).get()
    }

    /// Why `host` cannot be a DNS name (RFC 1035: labels of 1 to 63 bytes,
    /// 253 in all), or nil. Such a name is refused before any lookup.
    static func nameProblem(_ host: String) -> String? {
        var name = Substring(host)
        if name.hasSuffix(".") { name = name.dropLast() }
        if name.isEmpty { return "empty" }
        if name.utf8.count > 253 { return "longer than 253 bytes" }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty { return "an empty label" }
            if label.utf8.count > 63 { return "a label longer than 63 bytes" }
        }
        return nil
    }

    private struct Pending {
        var continuation: CheckedContinuation<Result<[SocketAddress], NetworkError>, Never>?
        var early: Result<[SocketAddress], NetworkError>?
        var finished = false
    }

    /// The lookup on a thread; the deadline and cancellation stop the
    /// waiting (the thread's late answer is dropped: a lookup cannot be interrupted).
    private nonisolated(nonsending) static func lookUpOnThread(
        _ host: String, port: Int, deadline: Deadline
    ) async -> Result<[SocketAddress], NetworkError> {
        let pending = Locked(Pending())
        let finish: @Sendable (Result<[SocketAddress], NetworkError>) -> Void = { result in
            let continuation = pending.withLock { pending -> CheckedContinuation<Result<[SocketAddress], NetworkError>, Never>? in
                guard !pending.finished else { return nil }
                pending.finished = true
                guard let continuation = pending.continuation else {
                    pending.early = result
                    return nil
                }
                pending.continuation = nil
                return continuation
            }
            continuation?.resume(returning: result)
        }
        let timer = deadline.forWait().map { end in
            Task {
                if await PollLoop.shared.wait(for: .read, on: -1, until: end) == .timedOut {
                    finish(.failure(NetworkError(.timedOut, "looking up \(host) timed out")))
                }
            }
        }
        defer { timer?.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let early = pending.withLock { pending -> Result<[SocketAddress], NetworkError>? in
                    if let early = pending.early { return early }
                    pending.continuation = continuation
                    return nil
                }
                if let early {
                    continuation.resume(returning: early)
                    return
                }
                let thread = Thread { finish(lookUp(host, port: port, numericOnly: false)) }
                thread.name = "collector-resolve"
                thread.start()
            }
        } onCancel: {
            finish(.failure(NetworkError(.cancelled, "cancelled")))
        }
    }

    /// `getaddrinfo` itself; blocks unless `numericOnly`.
    private static func lookUp(_ host: String, port: Int, numericOnly: Bool) -> Result<[SocketAddress], NetworkError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = numericOnly ? AI_NUMERICHOST | AI_NUMERICSERV : AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = String(cString: gai_strerror(status))
            // EAI_AGAIN: the DNS server did not answer (no network?), not an answer that the name does not exist.
            let kind: NetworkError.Kind = status == EAI_AGAIN ? .unreachable : .hostNotFound
            return .failure(NetworkError(kind, "host not found: \(host) (\(reason))"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor?.pointee {
            cursor = info.ai_next
            guard let address = info.ai_addr, Int(info.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size else { continue }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen)))
            }
            addresses.append(
                SocketAddress(
                    family: info.ai_family, type: info.ai_socktype, proto: info.ai_protocol, storage: storage,
                    length: info.ai_addrlen))
        }
        return addresses.isEmpty ? .failure(NetworkError(.hostNotFound, "host not found: \(host) (no address)")) : .success(addresses)
    }
}
