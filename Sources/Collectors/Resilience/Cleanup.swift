/// Connects `source`, runs `body`, and disconnects on every path out:
/// a return, an error, a failed connect, cancellation.
///
/// The disconnect runs in a task of its own, so a cancelled caller still
/// gets a disconnect that can finish its own awaits.
public func withConnected<S: DataSource, T>(
    _ source: S,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (S) async throws -> T
) async throws -> T {
    try await withCleanup(
        connect: { try await source.connect() }, disconnect: { await source.disconnect() },
        isolation: isolation, { try await body(source) })
}

/// Connects `backend`, runs `body`, and disconnects on every path out (see the source variant).
public func withConnected<B: StorageBackend, T>(
    _ backend: B,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (B) async throws -> T
) async throws -> T {
    try await withCleanup(
        connect: { try await backend.connect() }, disconnect: { await backend.disconnect() },
        isolation: isolation, { try await body(backend) })
}

/// The general form: `disconnect` runs after `body` or after a failed `connect`, whatever happens.
public func withCleanup<T>(
    connect: @escaping @Sendable () async throws -> Void,
    disconnect: @escaping @Sendable () async -> Void,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> T
) async throws -> T {
    let result: T
    do {
        try await connect()
        result = try await body()
    } catch {
        await Task { await disconnect() }.value
        throw error
    }
    await Task { await disconnect() }.value
    return result
}
