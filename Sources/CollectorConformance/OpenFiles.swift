import Foundation

/// The process's open file descriptors, listed in `/proc/self/fd` (Linux).
enum OpenFiles {
    /// Whether descriptors can be listed here (`/proc/self/fd` is there).
    static var canList: Bool { list() != nil }

    /// Each open descriptor, named by its number and what it refers to
    /// (`7 -> socket:[81234]`), so that a number closed and reused for
    /// something else between two listings counts as another descriptor.
    static func list() -> Set<String>? {
        guard let numbers = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return nil }
        return Set(
            numbers.compactMap { number in
                // A descriptor closed while the list is read has no target any more.
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(number)")).map { "\(number) -> \($0)" }
            })
    }

    /// Whether `cycle` leaves descriptors open: it runs `rounds` times, twice
    /// over, and a leak is every cycle of both runs leaving a descriptor
    /// that it opened still open at the end of its run. Other work of the
    /// process opens and closes files meanwhile (tests run in parallel); a
    /// total count moves with it, while descriptors opened during each cycle
    /// and kept through every later one are a leak's mark. Descriptors closed
    /// a moment after the cycle (by another thread) are not a leak: later cycles
    /// give them the time to close.
    /// What `make` opens (a pipe for the source to read) is not counted:
    /// listing starts once it has returned.
    /// - Returns: a failure message, or `nil`.
    static func leak<Subject>(
        rounds: Int, making make: () async throws -> Subject, cycle: (Subject) async throws -> Void
    ) async throws -> String? {
        var kept: [Int] = []
        for _ in 0..<2 {
            var leftovers: [Set<String>] = []
            for _ in 0..<rounds {
                let subject = try await make()
                let before = list() ?? []
                try await cycle(subject)
                leftovers.append(await settled(since: before))
            }
            let end = list() ?? []
            let leaking = leftovers.filter { !$0.isDisjoint(with: end) }.count
            kept.append(leftovers.reduce(0) { $0 + $1.intersection(end).count })
            if leaking < rounds { return nil }
        }
        return "\(kept[0]) and then \(kept[1]) file descriptors opened during two runs of \(rounds) connect/disconnect cycles were still open at the end of each (every cycle left one): disconnect() does not release everything connect() opened"
    }

    /// The descriptors opened since `before` and still open, given a moment
    /// to close if some are (only what later cycles do not close counts, so
    /// a short wait is enough).
    private static func settled(since before: Set<String>) async -> Set<String> {
        let opened = (list() ?? []).subtracting(before)
        if opened.isEmpty { return opened }
        try? await Task.sleep(for: .milliseconds(50))
        return (list() ?? []).subtracting(before)
    }
}
