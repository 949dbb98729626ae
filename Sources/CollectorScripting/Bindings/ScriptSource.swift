import CollectorSources
import CollectorWebSocket
import CollectorValues
import Collectors
import Foundation
import LuaRuntime

/// A native source created by a script (`source.file{ ... }`), as a Lua userdata.
public final class ScriptSource {
    public let source: any DataSource
    /// How a pipeline collects it.
    public let mode: CollectionMode
    /// What `tostring` says (never a token).
    public let summary: String
    /// The file it reads, for finding a pipeline that would read what it writes.
    public internal(set) var filePath: String?
    /// It polls on an interval (`--once` makes it collect once).
    public internal(set) var isPolling = false
    /// The pipeline it feeds: a source feeds one pipeline (its items are taken, not copied).
    var pipeline: String?
    private var connected = false

    init(_ source: any DataSource, mode: CollectionMode, summary: String) {
        self.source = source
        self.mode = mode
        self.summary = summary
    }

    /// `source:collect()`: one item, as `{ source_id, format, data, metadata }`.
    /// Waits in `loop` (the script's functions run meanwhile; an interrupt ends the wait).
    func collectOne(in loop: ScriptLoop) throws -> DataValue {
        if let pipeline {
            // Its items belong to that pipeline: taking one here would lose it there.
            throw LuaCallError(
                "the source '\(source.id)' feeds pipeline \"\(pipeline)\"; a source has one reader (collect from another source object)")
        }
        let source = self.source
        let connect = !connected
        let item = try loop.run {
            if connect { try await source.connect() }
            return try await source.collect()
        }
        connected = true
        // A refused line is an error for the caller (the source has read past it).
        if let refusal = item.refusal { throw refusal }
        var decoder = RecordDecoder()
        let (records, failures) = decoder.decode(item)
        let data: DataValue
        if !failures.isEmpty {
            data = .string(String(decoding: item.payload, as: UTF8.self))
        } else if item.format == .jsonLines, records.count != 1 {
            data = .array(records.map(\.value))
        } else {
            data = records.first?.value ?? .null
        }
        return [
            "source_id": .string(item.sourceID),
            "format": .string(item.format.rawValue),
            "data": data,
            "metadata": .object(item.metadata),
        ]
    }

    static func luaType(loop: ScriptLoop) -> LuaObjectType<ScriptSource> { LuaObjectType(name: "source") { type in
        type.description { $0.summary }
        type.property("id") { .string($0.source.id) }
        type.method("collect") { object, call in
            do {
                try call.push(data: try object.collectOne(in: loop))
            } catch let error as LuaError {
                throw error
            } catch let error as LuaCallError {
                throw LuaCallError("collect: \(error.message)")
            } catch {
                // As itself: the run's exit status tells an engine failure from a script's mistake by it.
                throw ErrorInfo(from: error, layer: .collection, operation: "collect")
            }
            return 1
        }
    } }
}

/// The `source` table: one constructor per native source.
enum SourceBindings {
    static func install(in lua: LuaState, bindings: ScriptBindings) throws {
        let sources = try ConstructorTable("source", in: lua)
        bindings.sourceConstructors = sources
        let constructors: [(String, [String], (OptionReader, String) throws -> ScriptSource)] = [
            ("generator", ["id", "count", "seed", "rate", "batch"], generator),
            ("file", ["id", "path", "mode", "format"], file),
            ("follow", ["id", "path", "position_file", "poll", "start", "format"], follow),
            ("stdin", ["id", "format"], stdin),
            ("command", ["id", "command", "format", "cwd", "env"], command),
            ("http", httpOptionNames, { try http($0, id: $1, once: bindings.settings.once) }),
            ("sse", ["id", "url", "token", "headers", "last_event_id", "reconnect", "reconnect_max", "reconnect_attempts", "max_event_size", "idle_timeout", "ca_file", "format", "proxy"], sse),
            ("websocket", ["id", "url", "token", "headers", "subscribe", "max_message_size", "reconnect", "reconnect_max", "reconnect_attempts", "ca_file", "verify_tls", "format", "proxy"], websocket),
        ]
        for (name, allowed, build) in constructors {
            let function = "source.\(name)"
            try sources.add(name, try lua.function(function) { [unowned lua] call in
                let options = try OptionReader(function, table: try call.optionalArgument(1, as: LuaTable.self), allowed: allowed, in: lua)
                let id = try options.string("id") ?? bindings.nextID(name)
                try call.push(LuaObject(try build(options, id)))
                return 1
            })
        }
    }

    static func format(_ options: OptionReader, default value: DataFormat) throws -> DataFormat {
        guard let name = try options.choice("format", ["json", "jsonl", "text", "csv", "binary"]) else { return value }
        return DataFormat(rawValue: name)
    }

    static func generator(_ options: OptionReader, id: String) throws -> ScriptSource {
        let count = try options.integer("count")
        let seed = try options.integer("seed").map(Int64.init) ?? 20_251_128
        let rate = try options.number("rate", in: 0.001...1e9)
        let batch = try options.integer("batch", in: 1...1_000_000) ?? (rate == nil ? 100 : 1)
        if let count, count < 0 { throw LuaCallError("source.generator: option 'count' must not be negative") }
        let source = GeneratorSource(
            id: id, options: .init(seed: seed, count: count, rate: rate, recordsPerItem: max(1, batch)))
        var summary = "source.generator(\(id), seed \(seed)"
        summary += count.map { ", \($0) records" } ?? ", endless"
        if let rate { summary += ", \(rate)/s" }
        return ScriptSource(source, mode: .stream, summary: summary + ")")
    }

    static func file(_ options: OptionReader, id: String) throws -> ScriptSource {
        let path = try options.requiredString("path")
        let mode = FileSource.Mode(rawValue: try options.choice("mode", ["lines", "whole"]) ?? "lines") ?? .lines
        let format = try format(options, default: mode == .lines ? .jsonLines : .json)
        let source = FileSource(id: id, path: path, options: .init(mode: mode, format: format))
        let object = ScriptSource(source, mode: .stream, summary: "source.file(\(id), \(path), \(mode.rawValue), \(format))")
        object.filePath = path
        return object
    }

    static func follow(_ options: OptionReader, id: String) throws -> ScriptSource {
        let path = try options.requiredString("path")
        var settings = FollowFileSource.Options(format: try format(options, default: .jsonLines))
        settings.positionFile = try options.string("position_file")
        if let poll = try options.duration("poll", atLeast: .milliseconds(1)) { settings.pollInterval = poll }
        if let start = try options.choice("start", ["beginning", "end"]) { settings.startAt = .init(rawValue: start) ?? .beginning }
        let source = FollowFileSource(id: id, path: path, options: settings)
        let object = ScriptSource(source, mode: .stream, summary: "source.follow(\(id), \(path))")
        object.filePath = path
        return object
    }

    static func stdin(_ options: OptionReader, id: String) throws -> ScriptSource {
        let source = StdinSource(id: id, options: .init(format: try format(options, default: .jsonLines)))
        return ScriptSource(source, mode: .stream, summary: "source.stdin(\(id))")
    }

    static func command(_ options: OptionReader, id: String) throws -> ScriptSource {
        guard let command = try options.strings("command"), let executable = command.first else {
            throw LuaCallError("source.command: option 'command' is required (a list: program and arguments)")
        }
        let settings = CommandSource.Options(
            format: try format(options, default: .jsonLines), environment: try options.stringMap("env"),
            workingDirectory: try options.string("cwd"))
        let source = CommandSource(id: id, executable: executable, arguments: Array(command.dropFirst()), options: settings)
        return ScriptSource(source, mode: .stream, summary: "source.command(\(id), \(command.joined(separator: " ")))")
    }

    /// - Parameter once: `--once`: one poll, with every page of it.
    static func http(_ options: OptionReader, id: String, once: Bool) throws -> ScriptSource {
        let (url, parsed) = try httpOptions(options)
        var settings = parsed
        if once { settings.maxPolls = 1 }
        let source = HTTPSource(id: id, url: url, options: settings)
        var summary = "source.http(\(id), \(redacted(url)), every \(Units.describe(settings.interval))"
        if settings.bearerToken != nil { summary += ", token ***" }
        let object = ScriptSource(source, mode: .stream, summary: summary + ")")
        object.isPolling = !once
        return object
    }

    static func sse(_ options: OptionReader, id: String) throws -> ScriptSource {
        let url = try webURL(options, "source.sse", schemes: ["http", "https"])
        var settings = SSESource.Options(format: try format(options, default: .json))
        settings.bearerToken = try options.string("token")
        if let headers = try options.stringMap("headers") { settings.headers = headers }
        settings.lastEventID = try options.string("last_event_id")
        try reconnect(options, "source.sse", &settings.reconnectDelay, &settings.maxReconnectDelay, &settings.maxReconnectAttempts)
        if let size = try options.size("max_event_size", in: 1...Int.max) { settings.maxEventSize = size }
        if let idle = try options.duration("idle_timeout", atLeast: .milliseconds(1)) { settings.idleTimeout = idle }
        settings.tlsCAFile = try options.string("ca_file")
        settings.proxy = try ProxyOption.read(options)
        var summary = "source.sse(\(id), \(redacted(url))"
        if settings.bearerToken != nil { summary += ", token ***" }
        return ScriptSource(SSESource(id: id, url: url, options: settings), mode: .stream, summary: summary + ")")
    }

    static func websocket(_ options: OptionReader, id: String) throws -> ScriptSource {
        let url = try webURL(options, "source.websocket", schemes: ["ws", "wss"])
        var settings = WebSocketSource.Options()
        settings.bearerToken = try options.string("token")
        if let headers = try options.stringMap("headers") { settings.headers = headers }
        settings.subscribeMessage = try options.string("subscribe")
        if let size = try options.size("max_message_size", in: 1...Int.max) { settings.maxMessageSize = size }
        try reconnect(
            options, "source.websocket", &settings.reconnectDelay, &settings.maxReconnectDelay, &settings.maxReconnectAttempts)
        settings.tlsCAFile = try options.string("ca_file")
        if let verify = try options.boolean("verify_tls") { settings.tlsVerify = verify }
        settings.textFormat = try format(options, default: .json)
        settings.proxy = try ProxyOption.read(options)
        var summary = "source.websocket(\(id), \(redacted(url))"
        if settings.bearerToken != nil { summary += ", token ***" }
        return ScriptSource(WebSocketSource(id: id, url: url, options: settings), mode: .stream, summary: summary + ")")
    }

    /// The reconnect options the streaming sources share: `reconnect` (the
    /// first wait), `reconnect_max` (the cap of the backoff) and
    /// `reconnect_attempts` (failed attempts in a row before giving up; 0: never).
    static func reconnect(
        _ options: OptionReader, _ function: String, _ delay: inout Duration, _ cap: inout Duration, _ attempts: inout Int?
    ) throws {
        if let first = try options.duration("reconnect") { delay = first }
        if let maximum = try options.duration("reconnect_max") { cap = maximum }
        if let count = try options.integer("reconnect_attempts") {
            guard count >= 0 else {
                throw LuaCallError("\(function): option 'reconnect_attempts' must be 0 (never give up) or more, got \(count)")
            }
            attempts = count == 0 ? nil : count
        }
        guard cap >= delay else {
            throw LuaCallError("\(function): option 'reconnect_max' (\(cap)) is shorter than 'reconnect' (\(delay))")
        }
    }

    private static func webURL(_ options: OptionReader, _ function: String, schemes: [String]) throws -> URL {
        let text = try options.requiredString("url")
        guard let url = URL(string: text), let scheme = url.scheme, schemes.contains(scheme.lowercased()), url.host != nil else {
            let list = schemes.map { "\($0)://" }.joined(separator: " or ")
            throw LuaCallError("\(function): option 'url' must be a \(list) URL, got \"\(redactedText(text))\"")
        }
        return url
    }

    /// A URL given as text, for an error message: without what could be a password or a key.
    static func redactedText(_ text: String) -> String {
        guard let url = URL(string: text), url.scheme != nil else { return text.count > 80 ? String(text.prefix(80)) + "…" : text }
        return redacted(url)
    }

    /// The URL without credentials or query (which may carry keys).
    static func redacted(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "?" }
        if parts.password != nil || parts.user != nil { parts.user = "***"; parts.password = nil }
        if parts.query != nil { parts.query = "..." }
        return parts.string ?? "?"
    }
}
