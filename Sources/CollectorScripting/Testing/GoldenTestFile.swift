import Collectors
import CollectorValues
import Foundation
import LuaRuntime

/// A `*_test.lua` file made from records a processor received in a running
/// pipeline (`p:record`): one test per record, asserting what the processor
/// made of it then (its outputs, none when dropped, or its error), so that
/// a later change that alters the outputs fails `collector test` with the
/// fields that differ. The module is started as the pipeline started it
/// (`init` with its config), and its timer ticks (at the times they were
/// due) and its shutdown are tests of their own, in the order they came.
struct GoldenTestFile {
    /// The name `require` finds the module by, from the test file's directory.
    var moduleName: String
    var pipeline: String
    var processor: String
    var calls: [RecordedCall]
    /// The processor's `ctx.config`.
    var config: DataValue?

    /// The module name for `module` (a `.lua` file) as `require` finds it
    /// from a test file in `directory` (beside it first, then the working
    /// directory); nil when it finds it from neither.
    static func requireName(module: String, testDirectory directory: String) -> String? {
        let file = ModuleFiles.canonical(module)
        guard file.hasSuffix(".lua") else { return nil }
        let bases = [ModuleFiles.canonical(directory), ModuleFiles.canonical(FileManager.default.currentDirectoryPath)]
        for base in bases {
            let prefix = base.hasSuffix("/") ? base : base + "/"
            guard file.hasPrefix(prefix) else { continue }
            let relative = String(file.dropFirst(prefix.count).dropLast(".lua".count))
            // require reads dots as directories, so a name with a dot of its own cannot be said.
            let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
            guard !parts.contains(where: { $0.isEmpty || $0.contains(".") }) else { continue }
            return parts.joined(separator: ".")
        }
        return nil
    }

    /// Where the test file of `module` goes (`path`, or `NAME_test.lua`
    /// beside the module) and the name it requires the module by; an error
    /// (starting with `what:`) when it cannot be written there or could not
    /// require the module from there.
    static func target(
        module: String, path: String?, overwrite: Bool, what: String,
        overwriteHint: String = "give { overwrite = true } to write over it"
    ) throws -> (file: String, moduleName: String) {
        let file = path ?? String(module.dropLast(module.hasSuffix(".lua") ? 4 : 0)) + "_test.lua"
        guard file.hasSuffix("_test.lua") else {
            throw LuaCallError("\(what): the test file's name must end in _test.lua (collector test runs those), got \(file)")
        }
        let directory = (file as NSString).deletingLastPathComponent
        let testDirectory = directory.isEmpty ? "." : directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: testDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LuaCallError("\(what): cannot write \(file): there is no directory \(testDirectory)")
        }
        if !overwrite, FileManager.default.fileExists(atPath: file) {
            throw LuaCallError("\(what): \(file) exists already (\(overwriteHint))")
        }
        guard let moduleName = requireName(module: module, testDirectory: testDirectory) else {
            throw LuaCallError(
                "\(what): a test file in \(testDirectory) cannot require \(module) (require looks beside the test file and in the working directory); write it beside the module")
        }
        return (file, moduleName)
    }

    /// Writes the file (atomically: a reader never sees half of it).
    func write(to file: String, what: String) throws {
        do {
            try Data(source().utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw LuaCallError("\(what): cannot write \(file): \(error.localizedDescription)")
        }
    }

    /// The Lua name of the module's local in the file.
    var localName: String {
        let last = moduleName.split(separator: ".").last.map(String.init) ?? moduleName
        var name = String(last.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        if name.isEmpty || name.first!.isNumber || LuaLiteral.keywords.contains(name) { name = "processor_" + name }
        // The file's own helpers and the test library's globals keep their names.
        if ["outputs", "test", "run", "expect", "array", "advance", "tick", "start", "finish", "json", "null"].contains(name) { name += "_module" }
        return name
    }

    func source(recordedAt date: Date = Date()) -> String {
        let stamp = ISO8601DateFormatter().string(from: date)
        let module = localName
        let records = calls.filter { $0.kind == .record }.count
        let ticks = calls.count { if case .tick = $0.kind { true } else { false } }
        var extra = ticks == 0 ? "" : ", \(ticks) timer tick\(ticks == 1 ? "" : "s")"
        if calls.contains(where: { $0.kind == .shutdown }) { extra += ", its shutdown" }
        var start = "{ name = \(LuaLiteral.quoted(Array(processor.utf8), keepUTF8: true))"
        if let config { start += ", config = \(LuaLiteral.source(config))" }
        start += " }"
        var text = """
            -- Golden tests: \(records) record\(records == 1 ? "" : "s") processor "\(Self.comment(processor))" \
            of pipeline "\(Self.comment(pipeline))" received\(extra)
            -- (recorded \(stamp)), each with what the processor made of it then.
            local \(module) = require(\(LuaLiteral.quoted(Array(moduleName.utf8), keepUTF8: true)))
            -- As the pipeline started it: init(ctx) with its config.
            start(\(module), \(start))

            -- What the pipeline takes from a record: the records emitted, then the one returned.
            local function outputs(record)
              local returned, emitted = run(\(module), record)
              if returned ~= nil then emitted[#emitted + 1] = returned end
              return emitted
            end

            """
        for (index, call) in calls.enumerated() {
            let call_: String
            let label: String
            switch call.kind {
            case .record:
                call_ = "run(\(module), \(LuaLiteral.source(call.input)))"
                label = "recorded \(index + 1)"
            case .tick(let now):
                call_ = "tick(\(module), \(LuaLiteral.number(now)))"
                label = "recorded \(index + 1) (timer at \(LuaLiteral.number(now)))"
            case .shutdown:
                call_ = "finish(\(module))"
                label = "recorded \(index + 1) (shutdown)"
            }
            let got = call.kind == .record ? "outputs(\(LuaLiteral.source(call.input)))" : call_
            text += "\n"
            if let error = call.error {
                text += "test(\"\(label) (error)\", function()\n"
                text += "  expect.error(function() \(call_) end, \(LuaLiteral.quoted(Array(Self.pattern(error.message).utf8), keepUTF8: true)))\n"
            } else if call.outputs.isEmpty {
                text += "test(\"\(label)\(call.kind == .record ? " (dropped)" : "")\", function()\n"
                text += "  expect.eq(\(got), {})\n"
            } else {
                text += "test(\"\(label)\", function()\n"
                text += "  expect.eq(\(got), {\n"
                for output in call.outputs { text += "    \(LuaLiteral.source(output)),\n" }
                text += "  })\n"
            }
            text += "end)\n"
        }
        return text
    }

    /// A comment keeps to one line.
    private static func comment(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// A Lua pattern matching the error's message without where it was
    /// raised (`file.lua:12: `, which differs between the pipeline and the
    /// test runner), and no longer than its first line (a traceback differs too).
    static func pattern(_ message: String) -> String {
        var text = Substring(message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        // Drop the `chunk:line: ` prefixes of the error (and of a wrapped one).
        while let colon = text.firstIndex(of: ":") {
            let rest = text[text.index(after: colon)...]
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, rest.dropFirst(digits.count).hasPrefix(": ") else { break }
            text = rest.dropFirst(digits.count + 2)
        }
        if text.utf8.count > 200 { text = Substring(String(decoding: Array(text.utf8.prefix(200)), as: UTF8.self)) }
        var escaped = ""
        for character in text {
            if "^$()%.[]*+-?".contains(character) { escaped.append("%") }
            escaped.append(character)
        }
        return escaped
    }
}
