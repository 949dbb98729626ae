import CollectorMocks
import CollectorValues
import Collectors
import Foundation

/// A record for tests.
func record(_ value: DataValue, source: String = "s", sequence: UInt64 = 1) -> Record {
    Record(value, sourceID: source, sequence: sequence)
}

/// Records `0..<n` as integers.
func records(_ n: Int, source: String = "s") -> [Record] {
    (0..<n).map { Record(.integer(Int64($0)), sourceID: source, sequence: UInt64($0 + 1)) }
}

/// An error that a retry may fix.
let transient = ErrorInfo.mockFailure(.connection, message: "transient", retryable: true)
/// An error that no retry fixes.
let permanent = ErrorInfo.mockFailure(.validation, message: "permanent", retryable: false)

/// Collects values from concurrent tasks.
final class Collector<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Value] = []

    func append(_ value: Value) {
        lock.lock()
        storage.append(value)
        lock.unlock()
    }

    var values: [Value] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
