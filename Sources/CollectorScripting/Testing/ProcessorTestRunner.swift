import Foundation
import LuaRuntime

/// Runs processors' tests: the inline `tests` of processor modules and
/// `*_test.lua` files. `collector test` is this runner; loading or reloading
/// a processor runs the module's inline tests the same way.
///
/// Every file runs in a fresh sandboxed state under `options`' limits, with
/// `require` looking beside the file first, then in `options.modulePaths`,
/// then in the working directory.
public struct ProcessorTestRunner: Sendable {
    /// A path given to the runner that is neither a file nor a directory.
    public struct MissingPath: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "no such file or directory: \(path)" }
    }

    /// Limits of the test states, and module paths searched after the file's own directory.
    public var options: LuaProcessorOptions
    /// When set, only the tests whose name contains it are run and reported
    /// (a module's inline tests all run, as each may need the state the ones
    /// before left, but only those are reported).
    public var filter: String?

    public init(options: LuaProcessorOptions = LuaProcessorOptions(parallelism: 1), filter: String? = nil) {
        self.options = options
        self.filter = filter
    }

    /// The files to run for `paths`: a file is itself; a directory gives the
    /// `*_test.lua` files below it, sorted.
    public static func files(for paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw MissingPath(path: path) }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix("_test.lua") }
                .sorted()
            files += found.map { "\(base)/\($0)" }
        }
        return files
    }

    /// Runs each file of `paths` (see `files(for:)`).
    public func run(paths: [String]) throws -> ProcessorTestReport {
        ProcessorTestReport(files: try Self.files(for: paths).map { run(file: $0) })
    }

    /// Runs one file: the tests of a `*_test.lua` file, or a processor module's inline tests.
    public func run(file path: String) -> ProcessorTestFile {
        let isTestFile = path.hasSuffix("_test.lua")
        let kind: ProcessorTestFile.Kind = isTestFile ? .testFile : .inline
        let source: String
        do {
            source = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            return ProcessorTestFile(path: path, kind: kind, loadError: "cannot read \(path): \(error.localizedDescription)")
        }
        var settings = options
        let directory = (path as NSString).deletingLastPathComponent
        let base = directory.isEmpty ? "." : directory
        settings.modulePaths = ["\(base)/?.lua", "\(base)/?/init.lua"] + options.modulePaths + ["./?.lua", "./?/init.lua"]
        let lua: LuaState
        do {
            lua = try LuaState(settings.luaOptions)
        } catch {
            return ProcessorTestFile(path: path, kind: kind, loadError: error.message)
        }
        defer { lua.close() }
        if !isTestFile {
            let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            return InlineTests.run(source: source, chunkName: "@\(path)", name: name, log: options.log, filter: filter, in: lua)
        }
        return runTestFile(path: path, source: source, in: lua)
    }

    private func runTestFile(path: String, source: String, in lua: LuaState) -> ProcessorTestFile {
        var file = ProcessorTestFile(path: path, kind: .testFile)
        let registered: [(name: String, body: LuaFunction)]
        do {
            let now = try TestStateLibraries.install(in: lua, processor: nil, log: options.log)
            let list = try TestLibrary.install(in: lua, now: now)
            try lua.call(try lua.load(source, name: "@\(path)"))
            registered = try lua.entries(of: list)
                .compactMap { entry -> (Int64, String, LuaFunction)? in
                    guard let index = entry.key.integerValue, case .table(let test) = entry.value,
                        let name = try lua.get(test, "name").stringValue, let body = try lua.get(test, "fn").functionValue
                    else { return nil }
                    return (index, name, body)
                }
                .sorted { $0.0 < $1.0 }
                .map { ($0.1, $0.2) }
        } catch {
            file.loadError = (error as? LuaError)?.description ?? "\(error)"
            return file
        }
        let clock = ContinuousClock()
        for test in registered {
            if let filter, !test.name.contains(filter) {
                file.filteredOut += 1
                continue
            }
            let start = clock.now
            var result: ProcessorTestCase
            do {
                try lua.call(test.body)
                result = ProcessorTestCase(name: test.name)
            } catch {
                result = Self.failedCase(test.name, error)
            }
            result.duration = clock.now - start
            file.cases.append(result)
        }
        return file
    }

    /// The failure of a test body: where (when Lua said), and the message without that prefix.
    private static func failedCase(_ name: String, _ error: any Error) -> ProcessorTestCase {
        guard let error = error as? LuaError else { return ProcessorTestCase(name: name, failure: ["\(error)"]) }
        var message = error.message
        var location: String?
        if let chunk = error.chunkName, let line = error.line {
            location = "\(chunk):\(line)"
            let prefix = "\(chunk):\(line): "
            if message.hasPrefix(prefix) { message.removeFirst(prefix.count) }
        }
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return ProcessorTestCase(name: name, failure: lines.isEmpty ? ["(no message)"] : lines, location: location)
    }
}
