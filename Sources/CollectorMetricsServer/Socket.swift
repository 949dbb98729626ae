#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The POSIX socket calls the server makes, with its error messages.
enum Socket {
    /// A listening socket bound to `address` (the first of its resolved addresses that binds).
    static func makeListener(on address: ListenAddress, backlog: Int32 = 64) throws(MetricsServerError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &result)
        guard status == 0, let first = result else {
            throw MetricsServerError(
                .invalidAddress,
                "cannot listen on \(address): the host does not resolve (\(String(cString: gai_strerror(status))))")
        }
        defer { freeaddrinfo(result) }
        var failure = MetricsServerError(.cannotListen, "cannot listen on \(address)")
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else {
                failure = error(address, errno)
                continue
            }
            // A restarted collector must be able to bind while old connections linger in TIME_WAIT;
            // on Linux this does not let two servers listen on one port.
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, backlog) == 0,
                setNonBlocking(fd)
            {
                return fd
            }
            failure = error(address, errno)
            close(fd)
        }
        throw failure
    }

    /// The port a socket is bound to.
    static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return 0 }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: storage) { pointer -> Int in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// A connection waiting on the listener, made non-blocking; `nil` when there is none.
    static func acceptConnection(_ listener: Int32) -> Int32? {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return nil }
        guard setNonBlocking(fd) else {
            close(fd)
            return nil
        }
        return fd
    }

    /// What `wait` saw.
    enum Readiness {
        case readable
        case woken
        case timedOut
    }

    /// Waits until `fd` is readable (or `events`), `wake` is readable (the server stops), or `milliseconds` pass.
    static func wait(_ fd: Int32, for events: Int16 = Int16(POLLIN), wake: Int32, milliseconds: Int32) -> Readiness {
        var fds = [pollfd(fd: fd, events: events, revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while true {
            let n = poll(&fds, nfds_t(fds.count), milliseconds)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return .timedOut }
            if fds[1].revents != 0 { return .woken }
            return .readable
        }
    }

    /// Reads what is there, up to `count` bytes: the bytes, an empty array at
    /// the end of the stream or on an error, `nil` when nothing is there yet.
    static func receive(_ fd: Int32, upTo count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, count, 0) }
        if n > 0 { return Array(buffer.prefix(n)) }
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { return nil }
        return []
    }

    /// Sends every byte before `deadline`; `false` if the peer is gone, too slow, or the server stops.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8], wake: Int32, deadline: ContinuousClock.Instant) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                sent += n
                continue
            }
            guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { return false }
            guard case .readable = wait(fd, for: Int16(POLLOUT), wake: wake, milliseconds: milliseconds(until: deadline))
            else { return false }
        }
        return true
    }

    /// Time left until `deadline`, for `poll`.
    static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }

    private static func setNonBlocking(_ fd: Int32) -> Bool {
        let flags = fcntl(fd, F_GETFL)
        return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0
    }

    private static func error(_ address: ListenAddress, _ code: Int32) -> MetricsServerError {
        let reason = String(cString: strerror(code))
        switch code {
        case EADDRINUSE:
            return MetricsServerError(.addressInUse, "cannot listen on \(address): the port is already in use")
        case EADDRNOTAVAIL:
            return MetricsServerError(.cannotListen, "cannot listen on \(address): not an address of this machine")
        case EACCES:
            return MetricsServerError(.cannotListen, "cannot listen on \(address): permission denied (\(reason))")
        default:
            return MetricsServerError(.cannotListen, "cannot listen on \(address): \(reason)")
        }
    }
}
