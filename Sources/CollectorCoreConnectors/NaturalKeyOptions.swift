import CollectorScripting
import CollectorStorage
import Collectors

/// The `key` and `on_conflict` options of `storage.sqlite{}` and
/// `storage.postgres{}`: a natural key that makes the write an upsert.
///
///     key = { "order_id" }, on_conflict = "update"
package enum NaturalKeyOptions {
    package static var keyOption: ConnectorOption {
        ConnectorOption(
            "key", .strings, annotation: "string[]",
            "record fields that identify a record (`{ \"order_id\" }`): a record whose key is stored already updates its row or is skipped (`on_conflict`), with a unique index on the key; a record without a key field (or with `null` there) is dead-lettered (see [Natural keys](#natural-keys-key))"
        )
    }

    package static var onConflictOption: ConnectorOption {
        ConnectorOption(
            "on_conflict", .choice(NaturalKey.OnConflict.allCases.map(\.rawValue)), default: "\"update\"",
            "with `key`: `\"update\"` replaces the stored row's values (of two records of one batch with the same key, the later wins); `\"ignore\"` keeps the stored row and skips the record"
        )
    }

    /// The key the options give; nil without `key`.
    package static func read(_ options: ScriptOptions) throws -> NaturalKey? {
        let choice = try options.string("on_conflict")
        guard let fields = try options.strings("key") else {
            if choice != nil { throw options.problem("on_conflict needs a key: add key = { \"field\", ... }") }
            return nil
        }
        var key = NaturalKey(fields)
        if let choice { key.onConflict = NaturalKey.OnConflict(rawValue: choice) ?? .update }
        do {
            try key.validate()
        } catch {
            throw options.problem(error.message)
        }
        return key
    }
}
