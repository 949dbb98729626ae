/// Connecting the backends, and saying whether they are.
extension StorageManager {
    /// Connects every backend, in order, before the first write.
    ///
    /// Each attempt may take `connectTimeout`, in real time (a backend that
    /// honours cancellation is cut off then; one blocked in a call that
    /// ignores it is waited for). Every failure goes to the error handler;
    /// one that may pass (`isRetryable`: a refused connection, a timeout) is
    /// retried per the retry policy when the handler says `.retry`, each
    /// retry emitted as `.retry`. One that will not pass (configuration,
    /// authentication) fails at once. When a backend cannot connect, it and
    /// those already connected are disconnected again.
    /// - Throws: an `ErrorInfo` whose message names the backend ("backend
    ///   'pg' could not connect: ...") and whose details hold `backend_id`
    ///   and `attempts`; `.cancelled` if the calling task is cancelled.
    public func connectBackends() async throws {
        var connected: [any StorageBackend] = []
        for backend in backends {
            do {
                try await connect(backend)
            } catch {
                await backend.disconnect()
                for backend in connected { await backend.disconnect() }
                throw error
            }
            connected.append(backend)
        }
    }

    func connect(_ backend: any StorageBackend) async throws(ErrorInfo) {
        let id = backend.id
        let timeout = configuration.connectTimeout
        do {
            try await withRetry(
                configuration.retryPolicy, clock: clock, layer: .storage, name: "connect",
                shouldRetry: { await self.consult($0, backendID: id) },
                onRetry: { await self.retrying($0, backendID: id, operation: "connect") }
            ) {
                try await withConnectTimeout(timeout, layer: .storage) { try await backend.connect() }
            }
        } catch {
            var info = ErrorInfo(
                from: error, type: .connection, layer: .storage, operation: "connect",
                details: ["backend_id": .string(id)])
            if info.type != .cancelled { info.message = "backend '\(id)' could not connect: \(info.message)" }
            throw info
        }
    }

    /// Tells the manager whether its backends are connected, for `readiness` and
    /// `collector_backend_up`: whoever connects them says so (`Pipeline` does, around a run).
    public func setConnected(_ connected: Bool) {
        self.connected = connected
        for backend in backends { updateUp(backend.id) }
    }
}
