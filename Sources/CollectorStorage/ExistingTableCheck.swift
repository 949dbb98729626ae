/// What to say when a table that was there before lacks the columns the
/// options' layout needs (`CREATE TABLE IF NOT EXISTS` leaves it as it is):
/// the SQL backends refuse it at connect with this, instead of failing every
/// store with "no such column" and retrying it as if the database were down.
package enum ExistingTableCheck {
    /// The problem with a table whose columns are `existing` (empty: no such
    /// table, nothing to say), given the columns the layout needs; `nil` when
    /// it has them. `documentColumns` names the document layout's own
    /// columns, for the advice.
    package static func problem(
        existing: [String], needed: [String], isDocument: Bool, documentColumns: String
    ) -> String? {
        guard !existing.isEmpty else { return nil }
        let missing = needed.filter { !existing.contains($0) }
        guard !missing.isEmpty else { return nil }
        let advice: String
        if isDocument {
            advice = "it is not a table of the document layout (\(documentColumns)); give its `columns` to use it as a typed table, or another `table`"
        } else {
            let list = missing.map { "'\($0)'" }.joined(separator: ", ")
            let them = missing.count == 1 ? "it" : "them"
            advice = "it has no column \(list) of the `columns` given; add \(them) (ALTER TABLE ... ADD COLUMN), drop \(them) from `columns`, or use another `table`"
        }
        return "has the columns \(existing.joined(separator: ", ")): \(advice)"
    }
}
