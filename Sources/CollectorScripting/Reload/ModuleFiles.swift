import Foundation

/// Where the modules a processor requires live, and a fingerprint of what
/// they hold: a module that changes is a new version of the processor too.
enum ModuleFiles {
    /// The first file each `require` template gives for each module name,
    /// as `require` itself searches (dots in a name are directories).
    static func resolve(_ names: [String], templates: [String]) -> [String] {
        var files: [String] = []
        for name in names.sorted() {
            let relative = name.replacingOccurrences(of: ".", with: "/")
            for template in templates {
                let candidate = template.replacingOccurrences(of: "?", with: relative)
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files.append(canonical(candidate))
                    break
                }
            }
        }
        return files
    }

    /// A hash of the script and of each module file's path and contents now.
    static func fingerprint(source: String, modules: [String]) -> String {
        var text = source
        for path in modules {
            text += "\u{0}\(path)\u{0}"
            text += (try? String(contentsOfFile: path, encoding: .utf8)) ?? "\u{0}(unreadable)"
        }
        return ScriptHash.of(text)
    }

    /// An absolute path without `.` or `..`, so that the same file is always named the same.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
