import Synchronization

/// A batch cut into chunks that the states of a processor take one at a
/// time until none is left: a state that runs late (its thread waited for
/// a core) takes fewer, instead of holding the whole batch back.
final class BatchChunks<Input: Sendable>: Sendable {
    private let inputs: [Input]
    private let size: Int
    let count: Int
    private let next = Mutex(0)

    /// About `perState` chunks for each of `states`.
    init(_ inputs: [Input], states: Int, perState: Int = 4) {
        self.inputs = inputs
        let wanted = max(1, min(inputs.count, states * perState))
        size = max(1, (inputs.count + wanted - 1) / wanted)
        count = (inputs.count + size - 1) / size
    }

    /// The next chunk nobody took yet, with its place, or nil when all are taken.
    func take() -> (index: Int, inputs: [Input])? {
        let index = next.withLock { next -> Int in
            defer { next += 1 }
            return next
        }
        guard index < count else { return nil }
        let start = index * size
        return (index, Array(inputs[start..<min(start + size, inputs.count)]))
    }
}
