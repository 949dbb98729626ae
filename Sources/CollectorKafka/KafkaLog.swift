import Collectors

/// librdkafka's log lines of level error or worse, on standard error; the rest is dropped.
func kafkaLogCallback(_ rk: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ line: UnsafePointer<CChar>?) {
    guard level <= 3, let line else { return }
    StandardError.write("collector: kafka: \(String(cString: line))\n")
}
