import CZlib

/// gzip (RFC 1952) with the system zlib, for `Content-Encoding: gzip` bodies.
enum Gzip {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `bytes` compressed in one go; `level` 1 (fastest) to 9 (smallest).
    static func compress(_ bytes: [UInt8], level: Int32 = 6) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard czlib_deflate_init_gzip(&stream, level) == Z_OK else { throw Failure(description: "zlib: cannot start deflate") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        let status = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                // zlib takes a mutable pointer but does not write through next_in.
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw Failure(description: "zlib: deflate failed (\(status))") }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}
