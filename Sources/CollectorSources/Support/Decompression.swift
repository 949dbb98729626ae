/// How the file sources read compressed files. The sources link no
/// compression library themselves, so that a program reading plain files
/// links none: one that reads gzip files passes `.zlib` (of the
/// CollectorGzip module). Without it a gzip file is an error that says so.
public struct Decompression: Sendable {
    let makeGzip: (@Sendable () -> (any StreamInflater)?)?

    /// Gzip files inflated by the inflaters `gzip` makes (`nil`: one could not start).
    public init(gzip: @escaping @Sendable () -> (any StreamInflater)?) {
        makeGzip = gzip
    }

    private init() { makeGzip = nil }

    /// No decompression: a gzip file is refused with an error naming it.
    public static let none = Decompression()

    /// Whether gzip files can be read.
    public var readsGzip: Bool { makeGzip != nil }

    /// Whether `bytes` start like a gzip stream (magic 1f 8b).
    public static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count >= 2 && bytes.first == 0x1f && bytes.dropFirst().first == 0x8b
    }
}

/// Inflates a compressed stream as its bytes arrive, handing the output out
/// in bounded pieces (a small file that inflates to gigabytes never sits in
/// memory whole). One stream, one reader: not shared between tasks.
public protocol StreamInflater: AnyObject {
    /// Whether bytes given to `feed` are still waiting to be inflated.
    var hasInput: Bool { get }
    /// Why the stream cannot go on (corrupt or cut short), once it cannot.
    var failure: InflateFailure? { get }
    /// Takes the next compressed bytes (after `hasInput` turned false).
    func feed(_ bytes: [UInt8])
    /// Up to about `limit` inflated bytes of what was fed; after a failure,
    /// what came before it, then nothing.
    func inflate(limit: Int) -> [UInt8]
    /// At the end of the compressed input: a stream cut short is a failure.
    func finish()
}

/// A compressed stream that is corrupt or cut short: `offset` is the
/// compressed byte where it was found.
public struct InflateFailure: Error, Sendable {
    public var message: String
    public var offset: Int64

    public init(message: String, offset: Int64) {
        self.message = message
        self.offset = offset
    }
}

extension StreamInflater {
    /// Up to about 1 MiB inflated.
    func inflate() -> [UInt8] { inflate(limit: 1 << 20) }
}
