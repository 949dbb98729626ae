/// Thrown inside a check to end it with a failure message.
struct CheckFailure: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Thrown inside a check to end it as skipped.
struct CheckSkipped: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Runs one check: returning is a pass, `CheckFailure` a failure with its
/// message, `CheckSkipped` a skip, any other error a failure that names it.
func runCheck(_ name: String, _ body: () async throws -> Void) async -> ConformanceResult {
    do {
        try await body()
        return ConformanceResult(name: name, outcome: .passed)
    } catch let failure as CheckFailure {
        return ConformanceResult(name: name, outcome: .failed(failure.message))
    } catch let skip as CheckSkipped {
        return ConformanceResult(name: name, outcome: .skipped(skip.reason))
    } catch {
        return ConformanceResult(name: name, outcome: .failed("unexpected error: \(error)"))
    }
}
