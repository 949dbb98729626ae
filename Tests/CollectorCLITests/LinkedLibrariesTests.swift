import Foundation
import Testing

/// Each connector family links its own C library, so a program that embeds
/// Lua processors with the core connectors (the C-free sources and
/// backends) links none of them, while `collector`, which installs every
/// family, links them all.
@Suite("linked libraries")
struct LinkedLibrariesTests {
    /// The connectors' C libraries, by the start of their file names.
    static let connectorLibraries = ["libpq", "libssl", "libcrypto", "libsqlite3", "libz", "libmosquitto", "librdkafka"]

    /// The test-only program built beside `collector`.
    static let processorsOnly = Collector.executable.deletingLastPathComponent().appendingPathComponent("lua-processors-only")

    /// The libraries the dynamic loader maps for `binary` (ldd: direct and indirect), by name without `.so...`.
    static func linkedLibraries(_ binary: URL) throws -> Set<String> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        process.arguments = [binary.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        #expect(Self.reap(process) == 0, "ldd \(binary.path) failed")
        var names = Set<String>()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let file = line.split(whereSeparator: \.isWhitespace).first else { continue }
            let base = file.split(separator: "/").last.map(String.init) ?? String(file)
            if let so = base.range(of: ".so") { names.insert(String(base[..<so.lowerBound])) }
        }
        return names
    }

    /// Waits for `process` with `waitpid` (not `waitUntilExit()`, which needs a
    /// dispatch thread a busy pool may not give); its exit status, 128 + a signal.
    static func reap(_ process: Process) -> Int32 {
        var status: Int32 = 0
        var result = waitpid(process.processIdentifier, &status, 0)
        while result < 0, errno == EINTR { result = waitpid(process.processIdentifier, &status, 0) }
        // ECHILD: Foundation's monitor reaped it first, so it has its thread and records the status.
        guard result > 0 else { process.waitUntilExit(); return process.terminationStatus }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    @Test("a program with Lua processors and the core connectors links no connector family's C library")
    func processorsOnlyLinksNoConnectorLibrary() throws {
        let linked = try Self.linkedLibraries(Self.processorsOnly)
        // The parse found the libraries it does link.
        #expect(linked.contains("liblua5.4"), "linked: \(linked.sorted())")
        for library in Self.connectorLibraries {
            #expect(!linked.contains(library), "lua-processors-only links \(library)")
        }
    }

    @Test("a program with the core and the SQLite family links libsqlite3 and no other family's library, and stores")
    func sqliteFamilyLinksItsLibraryOnly() throws {
        let program = Collector.executable.deletingLastPathComponent().appendingPathComponent("sqlite-connectors-only")
        let linked = try Self.linkedLibraries(program)
        #expect(linked.contains("libsqlite3"), "linked: \(linked.sorted())")
        for library in Self.connectorLibraries where library != "libsqlite3" {
            #expect(!linked.contains(library), "sqlite-connectors-only links \(library)")
        }
        let process = Process()
        process.executableURL = program
        process.arguments = ["7"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(Self.reap(process) == 0, "stderr: \(stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        #expect(report?["stored"] as? Int == 7, "stdout: \(stdout) stderr: \(stderr)")
    }

    @Test("collector, with every built-in connector, links their C libraries")
    func collectorLinksConnectorLibraries() throws {
        let linked = try Self.linkedLibraries(Collector.executable)
        for library in Self.connectorLibraries + ["liblua5.4"] {
            #expect(linked.contains(library), "collector does not link \(library); linked: \(linked.sorted())")
        }
    }

    @Test("the program runs a processor file and a script function into storage.memory, and source.file")
    func processorsOnlyRuns() throws {
        let process = Process()
        process.executableURL = Self.processorsOnly
        process.arguments = ["4"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(Self.reap(process) == 0, "stderr: \(stderr)")
        var records = try String(decoding: stdout, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        // The last line: the records source.file copied from its three lines.
        #expect(records.popLast()?["copied"] as? Int == 3, "stdout: \(String(decoding: stdout, as: UTF8.self))")
        #expect(records.map { $0["n"] as? Int } == [1, 2, 3, 4])
        #expect(records.map { $0["square"] as? Int } == [1, 4, 9, 16])
        #expect(records.map { $0["even"] as? Bool } == [false, true, false, true])
    }
}
