import Collectors
import Dispatch
import Foundation

/// A small HTTP/1.1 server for a collector's metrics and health:
///
/// - `GET /metrics`: the registry's text exposition (format 0.0.4), after its scrape hooks ran;
/// - `GET /health`: 200 `ok` while the process is alive and the health closure
///   (a watchdog, e.g. a pipeline stuck with work waiting) has no reason against; else 503 with them;
/// - `GET /ready`: 200 `ready` when the readiness closure says so, else 503 with its reasons;
/// - `HEAD` of each; 405 for another method, 404 for another path, 400 for a malformed request.
///
/// Listens on loopback unless told otherwise. Every connection has a thread
/// of its own (at most `maxConnections`), with a deadline for its request
/// to arrive and a bound on the request's size. When every connection is
/// taken, a new client takes the place of the one that has waited longest
/// for its request (`ConnectionSlots`); only when all are answering
/// requests does a client get 503 at once. So slow or hostile clients,
/// however many, cannot keep a probe out. Connections are kept alive
/// unless the client asks to close.
///
/// ```swift
/// let server = try MetricsServer(address: ListenAddress(parsing: "127.0.0.1:9464"), registry: registry) {
///     await pipeline.readiness()
/// }
/// defer { server.stop() }
/// ```
public final class MetricsServer: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// How long a request may take to arrive in full, and a kept-alive connection may stay idle.
        public var readTimeout: Duration
        /// The most bytes a request's head may take.
        public var maxRequestBytes: Int
        /// Clients served at once.
        public var maxConnections: Int
        /// How long building a response (a scrape, a readiness check) may take before the client gets 503.
        public var responseTimeout: Duration
        /// How long a scrape waits for the registry's hooks (`MetricsRegistry.scrape(hookTimeout:)`).
        public var scrapeHookTimeout: Duration

        public init(
            readTimeout: Duration = .seconds(10), maxRequestBytes: Int = 8192, maxConnections: Int = 32,
            responseTimeout: Duration = .seconds(10), scrapeHookTimeout: Duration = .seconds(1)
        ) {
            self.readTimeout = readTimeout
            self.maxRequestBytes = max(256, maxRequestBytes)
            self.maxConnections = max(1, maxConnections)
            self.responseTimeout = responseTimeout
            self.scrapeHookTimeout = scrapeHookTimeout
        }
    }

    /// Where the server listens, with the port it got (when asked for port 0).
    public let address: ListenAddress
    public var port: Int { address.port }
    public let configuration: Configuration

    private struct State {
        var stopped = false
    }

    private let listener: Int32
    private let wake: WakeSignal
    private let state = Locked(State())
    /// Entered by the accept thread and each connection's; `stop()` waits for all to leave.
    private let threads = DispatchGroup()

    /// Binds and starts serving at once.
    /// - Parameters:
    ///   - readiness: asked on each `/ready`; e.g. `pipeline.readiness()`.
    ///   - health: asked on each `/health`, on the connection's thread (so quick,
    ///     and never waiting on the concurrency pool); e.g. a pipeline's `stall(after:)`.
    /// - Throws: `.invalidAddress` if the host does not resolve, `.addressInUse`
    ///   if the port is taken, `.cannotListen` otherwise.
    public init(
        address: ListenAddress = ListenAddress(), registry: MetricsRegistry,
        configuration: Configuration = Configuration(),
        readiness: @escaping @Sendable () async -> Readiness = { .ready },
        health: @escaping @Sendable () -> Readiness = { .ready }
    ) throws(MetricsServerError) {
        let listener = try Socket.makeListener(on: address)
        let wake: WakeSignal
        do { wake = try WakeSignal() } catch {
            close(listener)
            throw error
        }
        self.listener = listener
        self.wake = wake
        self.configuration = configuration
        self.address = ListenAddress(host: address.host, port: Socket.boundPort(listener))
        let endpoints = Endpoints(
            registry: registry, readiness: readiness, health: health, scrapeHookTimeout: configuration.scrapeHookTimeout)
        threads.enter()
        // The thread holds what it needs, not the server, so dropping the server stops it.
        let accepting = Acceptor(
            listener: listener, wake: wake, endpoints: endpoints, configuration: configuration, state: state,
            threads: threads, slots: ConnectionSlots(capacity: configuration.maxConnections))
        Thread {
            accepting.run()
        }.start()
    }

    deinit {
        stop()
    }

    /// Stops accepting, ends every connection (a response being built is
    /// waited for, at most `responseTimeout`), and returns when all threads have ended.
    public func stop() {
        let first = state.withLock { s -> Bool in
            defer { s.stopped = true }
            return !s.stopped
        }
        guard first else { return }
        wake.signal()
        threads.wait()
        close(listener)
        wake.release()
    }

    /// The accept loop, on a thread of its own.
    private struct Acceptor: Sendable {
        let listener: Int32
        let wake: WakeSignal
        let endpoints: Endpoints
        let configuration: Configuration
        let state: Locked<State>
        let threads: DispatchGroup
        let slots: ConnectionSlots

        func run() {
            defer { threads.leave() }
            while true {
                switch Socket.wait(listener, wake: wake.readEnd, milliseconds: -1) {
                case .woken: return
                case .timedOut: continue
                case .readable: break
                }
                guard let fd = Socket.acceptConnection(listener) else {
                    // Out of descriptors, say: the listener stays readable, so pause rather than spin.
                    if case .woken = Socket.wait(wake.readEnd, wake: wake.readEnd, milliseconds: 50) { return }
                    continue
                }
                let stopped = state.withLock { $0.stopped }
                guard !stopped, let slot = slots.admit(fd) else {
                    // Best effort and without waiting: the socket buffer takes this much.
                    _ = Socket.sendAll(
                        fd, HTTPResponse(503, "too many connections\n").serialized(keepAlive: false, includeBody: true),
                        wake: wake.readEnd, deadline: .now)
                    close(fd)
                    continue
                }
                threads.enter()
                let connection = Connection(
                    fd: fd, wake: wake, endpoints: endpoints, configuration: configuration, slots: slots, slot: slot)
                Thread { [slots, threads] in
                    connection.serve()
                    slots.leave(slot)
                    close(fd)
                    threads.leave()
                }.start()
            }
        }
    }
}
