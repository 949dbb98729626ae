import CollectorSQLite
import Collectors
import Foundation
import Testing

@Suite("SQLite result codes")
struct SQLiteResultCodeTests {
    @Test func anExtendedCodeHasItsPrimaryAndNamesMatch() {
        // SQLITE_CONSTRAINT_UNIQUE: (8 << 8) | SQLITE_CONSTRAINT.
        let unique = SQLiteResultCode(rawValue: (8 << 8) | 19)
        #expect(unique != .constraint && unique.primary == .constraint)
        #expect(SQLiteResultCode.full.description.contains("full"))
    }

    @Test func aFileThatIsNotADatabaseFailsWithThatCode() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-code-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("not.db").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let storage = SQLiteStorage(path: path)
        let error = await #expect(throws: ErrorInfo.self) { try await storage.connect() }
        #expect(error?.sqliteCode == .notADatabase, "\(String(describing: error))")
    }
}
