import Collectors
import Foundation
import LuaRuntime

/// The spools of a script's pipelines: the `spool` option of `pipeline`,
/// one spool per file however many pipelines share it (their queues are
/// named after them), made by the bindings' `SpoolConnector` (none without one).
///
/// Without the option a pipeline uses the script's default spool,
/// `SCRIPT.spool.db` in the working directory (where the other data files
/// of a script go, and where a service's state lives: the script itself may
/// sit in a read-only folder). The file is only created when a backend
/// first fails, so a script whose backends never fail leaves none.
final class ScriptSpools {
    /// The spool a pipeline gets when it does not say.
    let defaultPath: String
    /// nil: the program installed no spool connector.
    private let connector: SpoolConnector?
    /// Each file's spool, and the cap it was made with.
    private var spools: [String: (spool: any Spool, maxSize: Int?)] = [:]

    init(scriptPath: String, connector: SpoolConnector?) {
        self.connector = connector
        var name = URL(fileURLWithPath: scriptPath).deletingPathExtension().lastPathComponent
        if name.isEmpty || name == "-" { name = "collector" }
        defaultPath = "\(name).spool.db"
    }

    /// The spool for a pipeline's `spool` option: absent (the default file),
    /// `false` (none), a path, or `{ path =, max_size = }`.
    func spool(for value: LuaValue?, what: String, in lua: LuaState) throws -> (spool: any Spool, path: String)? {
        let option = "\(what): option 'spool'"
        guard let connector else {
            // Without a spool connector a pipeline has no spool; asking for one is an error, not a silent loss.
            switch value {
            case nil, .boolean(false): return nil
            case .some: throw LuaCallError("\(option): this program has no spool (it installs no spool connector); remove the option or set it to false")
            }
        }
        switch value {
        case nil: return (spool(at: defaultPath, maxSize: nil, with: connector), defaultPath)
        case .boolean(false): return nil
        case .boolean(true): return (spool(at: defaultPath, maxSize: nil, with: connector), defaultPath)
        case .string(let path):
            guard !path.isEmpty else { throw LuaCallError("\(option) must not be an empty path") }
            return (spool(at: path, maxSize: nil, with: connector), path)
        case .table(let table):
            let options = try OptionReader("\(what) spool", table: table, allowed: ["path", "max_size"], in: lua)
            let path = try options.string("path") ?? defaultPath
            let maxSize = try options.size("max_size", in: connector.minimumSize...Int.max)
            if let known = spools[path], known.maxSize != maxSize {
                throw LuaCallError("\(option): \(path) is already a spool with other options")
            }
            return (spool(at: path, maxSize: maxSize, with: connector), path)
        case .some(let other):
            throw LuaCallError("\(option) must be a path, a table { path =, max_size = } or false, got \(other.typeName)")
        }
    }

    private func spool(at path: String, maxSize: Int?, with connector: SpoolConnector) -> any Spool {
        if let known = spools[path] { return known.spool }
        let spool = connector.make(path, maxSize)
        spools[path] = (spool, maxSize)
        return spool
    }
}
