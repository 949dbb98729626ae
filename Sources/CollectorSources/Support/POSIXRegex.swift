import Foundation

/// A POSIX extended regular expression (regcomp(3) with `REG_EXTENDED`),
/// matched against one line. Compiled once; regexec(3) does not change it,
/// so sharing it between threads is safe.
final class POSIXRegex: @unchecked Sendable {
    private let compiled: UnsafeMutablePointer<regex_t>
    let pattern: String

    /// Compiles `pattern`; the error says what is wrong with it (regerror(3)).
    init(_ pattern: String) throws(POSIXRegexError) {
        self.pattern = pattern
        compiled = .allocate(capacity: 1)
        let status = regcomp(compiled, pattern, REG_EXTENDED | REG_NOSUB)
        guard status == 0 else {
            var message = [CChar](repeating: 0, count: 256)
            regerror(status, compiled, &message, message.count)
            compiled.deallocate()
            throw POSIXRegexError(
                pattern: pattern, reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    deinit {
        regfree(compiled)
        compiled.deallocate()
    }

    /// Whether the line (up to a NUL byte in it, if any) matches.
    func matches(_ line: [UInt8]) -> Bool {
        var text = line
        text.append(0)
        return text.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { regexec(compiled, $0.baseAddress!, 0, nil, 0) == 0 }
        }
    }
}

/// A pattern regcomp(3) refuses.
struct POSIXRegexError: Error, Sendable {
    var pattern: String
    var reason: String
}
