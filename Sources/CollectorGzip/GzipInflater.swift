import CZlib
import CollectorSources

extension Decompression {
    /// Gzip files inflated by the system zlib.
    public static let zlib = Decompression(gzip: { GzipInflater() })
}

/// Inflates a gzip stream (RFC 1952) with zlib as its compressed bytes
/// arrive, member after member (`cat a.gz b.gz` is one valid stream).
final class GzipInflater: StreamInflater {

    /// zlib keeps a pointer back to its stream: it must not move.
    private let stream: UnsafeMutablePointer<z_stream>
    private var input: [UInt8] = []
    private var inputPosition = 0
    /// Inside a member (its end not seen yet).
    private var inMember = false
    private var memberEnded = false
    /// Compressed bytes taken so far.
    private(set) var consumed: Int64 = 0
    private(set) var failure: InflateFailure?

    init?() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_inflate_init_gzip(stream) == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Whether compressed bytes given to `feed` are still waiting to be inflated.
    var hasInput: Bool { failure == nil && inputPosition < input.count }

    /// Takes the next compressed bytes (after `hasInput` turned false).
    func feed(_ bytes: [UInt8]) {
        input = bytes
        inputPosition = 0
    }

    /// Up to about `limit` inflated bytes of what was fed; after a failure,
    /// what came before it, then nothing (`failure` says why).
    func inflate(limit: Int) -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while hasInput, output.count < limit {
            if memberEnded {
                // Another member follows.
                inflateReset(stream)
                memberEnded = false
            }
            inMember = true
            let position = inputPosition
            let (status, used, produced) = input.withUnsafeBufferPointer { source in
                chunk.withUnsafeMutableBufferPointer { out in
                    // zlib takes a mutable pointer but does not write through next_in.
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + position)
                    stream.pointee.avail_in = uInt(source.count - position)
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    let status = CZlib.inflate(stream, Z_NO_FLUSH)
                    return (
                        status, source.count - position - Int(stream.pointee.avail_in),
                        out.count - Int(stream.pointee.avail_out)
                    )
                }
            }
            output.append(contentsOf: chunk[0..<produced])
            inputPosition += used
            consumed += Int64(used)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                if used == 0, produced == 0 { fail("zlib made no progress") }
            case Z_STREAM_END:
                inMember = false
                memberEnded = true
            default:
                let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                fail(reason)
            }
        }
        return output
    }

    /// At the end of the compressed input: a member cut short is a failure.
    func finish() {
        if failure == nil, inMember { fail("the compressed stream ends before its end (truncated)") }
    }

    private func fail(_ reason: String) {
        failure = InflateFailure(message: reason, offset: consumed)
        input = []
        inputPosition = 0
    }
}
