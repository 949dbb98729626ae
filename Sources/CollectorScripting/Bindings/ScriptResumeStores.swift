import Collectors
import Foundation
import LuaRuntime

/// The resume stores of a script's pipelines: the `resume` option of
/// `pipeline`, one store per file or URL however many pipelines share it
/// (each keeps its entries under its own scope, `SCRIPT/PIPELINE`).
///
/// Resuming is asked for: a pipeline without the option resumes only when
/// the program was given a state directory (`--state-dir`). A script run
/// again from scratch (tests, a generator source) must not find the state
/// of the run before it. The default file is `SCRIPT.state.db` in the state
/// directory, else in the working directory (where the spool and the other
/// data files of a script go).
final class ScriptResumeStores {
    let defaultPath: String
    /// Set by `--state-dir`: every pipeline resumes unless it says `resume = false`.
    let onByDefault: Bool
    /// `SCRIPT`, the first part of each pipeline's scope.
    let scriptName: String
    private let connector: ResumeConnector?
    private var stores: [String: any ResumeStore] = [:]

    init(scriptPath: String, stateDirectory: String?, connector: ResumeConnector?) {
        self.connector = connector
        var name = URL(fileURLWithPath: scriptPath).deletingPathExtension().lastPathComponent
        if name.isEmpty || name == "-" { name = "collector" }
        scriptName = name
        onByDefault = stateDirectory != nil
        defaultPath = stateDirectory.map { ($0.hasSuffix("/") ? $0 : $0 + "/") + "\(name).state.db" } ?? "\(name).state.db"
    }

    /// The store for a pipeline's `resume` option: absent (on with `--state-dir`), `true` (the default file),
    /// `false` (none), or a path or `postgresql://` URL.
    func store(for value: LuaValue?, what: String) throws -> (store: any ResumeStore, location: String)? {
        let option = "\(what): option 'resume'"
        let location: String
        switch value {
        case nil:
            guard onByDefault else { return nil }
            location = defaultPath
        case .boolean(false): return nil
        case .boolean(true): location = defaultPath
        case .string(let text):
            guard !text.isEmpty else { throw LuaCallError("\(option) must not be an empty path") }
            location = text
        case .some(let other):
            throw LuaCallError("\(option) must be true, false, a file path or a postgresql:// URL, got \(other.typeName)")
        }
        guard let connector else {
            throw LuaCallError("\(option): this program keeps no resume state (it installs no resume connector); remove the option")
        }
        if let known = stores[location] { return (known, location) }
        let store: any ResumeStore
        do {
            store = try connector.make(location)
        } catch {
            let reason = (error as? ErrorInfo)?.message ?? "\(error)"
            throw LuaCallError("\(option): \(reason)")
        }
        stores[location] = store
        return (store, location)
    }
}
