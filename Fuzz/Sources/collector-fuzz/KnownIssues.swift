import CollectorValues

/// Faults the fuzzer found that are not fixed yet, each tracked by a known-
/// issue test in Tests/LuaRuntimeTests/FuzzFindingsTests.swift. The checks
/// step around exactly these, so that fuzzing goes on finding others; when
/// a fix lands, its test fails (the known issue is no longer recorded), and
/// its entry here goes with the test's `withKnownIssue`.
enum KnownIssues {
    /// `canonicallyEquivalentKeysReadTheSameIntoDataAndIntoLua`: Lua keeps
    /// byte-distinct keys that a Swift `String` holds equal ("é" and
    /// "e" U+0301), so the Lua side has a field more.
    static func hasCanonicallyEquivalentKeys(_ value: DataValue) -> Bool {
        switch value {
        case .array(let items): return items.contains(where: hasCanonicallyEquivalentKeys)
        case .object(let object):
            var seen = Set<String>()
            for (key, _) in object where !seen.insert(key).inserted { return true }
            return object.contains { hasCanonicallyEquivalentKeys($0.value) }
        default: return false
        }
    }

    /// `dataNestedAsDeepAsTheLimitPassesIntoLuaAsItsJSONTextDoes`: pushing
    /// data counts a scalar inside the innermost container as a level, so a
    /// value exactly `limit` containers deep with a scalar at the bottom is
    /// refused.
    static func hasScalarAtDepth(_ limit: Int, in value: DataValue, depth: Int = 0) -> Bool {
        switch value {
        case .array(let items): return items.contains { hasScalarAtDepth(limit, in: $0, depth: depth + 1) }
        case .object(let object): return object.contains { hasScalarAtDepth(limit, in: $0.value, depth: depth + 1) }
        default: return depth >= limit
        }
    }
}
