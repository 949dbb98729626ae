import Foundation

/// The process's open file descriptors, counted in `/proc/self/fd` (Linux).
enum OpenFiles {
    /// How many descriptors are open, or `nil` where `/proc/self/fd` is not there.
    static func count() -> Int? {
        // The listing's own descriptor is open while it is read, every time alike.
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count
    }

    /// Whether `cycle` leaves descriptors open: it runs `rounds` times, twice
    /// over, and a leak is the count growing by at least one per cycle both
    /// times (other work of the process opens and closes files meanwhile; it
    /// does not grow the count that steadily). Descriptors closed a moment
    /// after the cycle (by another thread) are waited for, a moment.
    /// What `make` opens (a pipe for the source to read) is not counted:
    /// counting starts once it has returned.
    /// - Returns: a failure message, or `nil`.
    static func leak<Subject>(
        rounds: Int, making make: () async throws -> Subject, cycle: (Subject) async throws -> Void
    ) async throws -> String? {
        var growths: [Int] = []
        for _ in 0..<2 {
            var growth = 0
            for _ in 0..<rounds {
                let subject = try await make()
                let before = count() ?? 0
                try await cycle(subject)
                let after = await settled(above: before)
                growth += after - before
            }
            growths.append(growth)
            if growth < rounds { return nil }
        }
        return "\(growths[0]) and then \(growths[1]) more file descriptors were open after two runs of \(rounds) connect/disconnect cycles: disconnect() does not release everything connect() opened"
    }

    /// The count once it is back to `baseline` or a second has passed.
    private static func settled(above baseline: Int) async -> Int {
        for _ in 0..<12 {
            let now = count() ?? baseline
            if now <= baseline { return now }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return count() ?? baseline
    }
}
