import CollectorScripting

/// The connectors over HTTP: `source.http`, `source.sse`, `source.websocket`
/// and `storage.http`. They link OpenSSL (https://, wss://) and zlib (gzip
/// request bodies).
public enum HTTPConnectors {
    /// All of them, sources first.
    public static var all: [ConnectorDescription] { [http, sse, websocket, httpStorage] }
}
