import Foundation

/// A path with shell wildcards (`*`, `?`, `[abc]`, and `**` for any depth
/// of subdirectories), expanded with glob(3): regular files only (no
/// directories), sorted by name.
struct FileGlob: Sendable, Hashable {
    let pattern: String

    /// Whether `path` has wildcards at all (a plain path names one file, matched or not).
    static func isPattern(_ path: String) -> Bool {
        path.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// The directory above the first component with a wildcard (`.` for a relative pattern that starts with one).
    var fixedDirectory: String {
        var kept: [Substring] = []
        for component in pattern.split(separator: "/", omittingEmptySubsequences: false).dropLast() {
            if Self.isPattern(String(component)) { break }
            kept.append(component)
        }
        let joined = kept.joined(separator: "/")
        if joined.isEmpty { return pattern.hasPrefix("/") ? "/" : "." }
        return joined
    }

    /// The files matching now, sorted by name.
    func matches() -> [String] {
        var found = Set<String>()
        if let star = pattern.range(of: "**") {
            // `**`: the rest of the pattern below the base directory and every directory under it.
            let base = String(pattern[..<star.lowerBound])
            var rest = String(pattern[star.upperBound...])
            while rest.hasPrefix("/") { rest.removeFirst() }
            let root = base.isEmpty ? "." : base
            var directories = [root]
            if let walker = FileManager.default.enumerator(atPath: root) {
                while let relative = walker.nextObject() as? String {
                    let full = (root.hasSuffix("/") ? root : root + "/") + relative
                    if POSIXFile.identity(ofPath: full)?.isDirectory == true { directories.append(full) }
                }
            }
            for directory in directories {
                let below = rest.isEmpty ? "*" : rest
                let prefix = base.isEmpty && directory == "." ? "" : (directory.hasSuffix("/") ? directory : directory + "/")
                found.formUnion(Self.expand(prefix + below))
            }
        } else {
            found.formUnion(Self.expand(pattern))
        }
        return found.sorted()
    }

    /// glob(3) of one pattern, directories left out.
    private static func expand(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, GLOB_MARK, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            guard let cString = result.gl_pathv[index] else { continue }
            let path = String(cString: cString)
            // GLOB_MARK ends directories with a slash.
            if !path.hasSuffix("/") { paths.append(path) }
        }
        return paths
    }
}
