import CollectorValues

/// Stops the run with what went wrong and what it was given (libFuzzer
/// saves the input itself as a crash file).
func failure(_ message: String, input: [UInt8]) -> Never {
    // Values print whole: a deep one would bury the message.
    let shown = message.count > 4000 ? message.prefix(4000) + "…" : Substring(message)
    fatalError("\(shown)\ninput: \(escaped(input))")
}

func expectIdentical(_ actual: DataValue, _ expected: DataValue, _ what: String, input: [UInt8]) {
    if !actual.isIdentical(to: expected) {
        failure("\(what) differs: expected \(expected), got \(actual)", input: input)
    }
}

/// The bytes for a reader: printable ASCII as is, `\` and `"` escaped, the rest `\xNN`.
func escaped(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes.prefix(2000) {
        switch byte {
        case UInt8(ascii: "\\"): text += "\\\\"
        case UInt8(ascii: "\""): text += "\\\""
        case 0x20..<0x7F: text.append(Character(Unicode.Scalar(byte)))
        default: text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
    }
    return bytes.count > 2000 ? text + "… (\(bytes.count) bytes)" : text
}
