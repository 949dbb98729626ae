/// Text that is not a time (or a format that is not one): what is wrong, and
/// at which byte of the text (1-based) or of the format.
struct TimeTextError: Error, Equatable {
    var problem: String
    /// 1-based; nil when the problem is not at one place (a value out of range).
    var position: Int?
    /// Whether `position` is in the format rather than in the text.
    var inFormat = false

    var message: String {
        guard let position else { return problem }
        return "\(problem) at position \(position)\(inFormat ? " of the format" : "")"
    }
}
