import FawangCore
import FawangSQLite
import FawangTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// What only the embedded engine has: group commit and its WAL settings. The store behaviour
/// both engines share is `MatterStoreTests` and `StorageEngineTests`.
@Suite struct SQLiteStorageTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-core-\(UUID().uuidString)/test.sqlite").path

    func open() async throws -> SQLiteStorage {
        let storage = try SQLiteStorage(path: path, cipher: try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t")), logger: Logger(label: "test"))
        try await storage.migrate(modules: [("demo", [StorageMigration(id: "v1", statements: ["CREATE TABLE demo_items (id TEXT PRIMARY KEY, n INTEGER)"])])])
        return storage
    }

   /// Group commit (issue 14): writes that arrive together share a commit, yet each stays
    /// all-or-nothing on its own — the failing ones roll back alone and get their own error — and
    /// they apply in order (the audit chain they extend verifies).
    @Test func concurrentWritesShareCommitsAndFailAlone() async throws {
        let storage = try await open()
        let module = storage.moduleStorage(for: "demo")
        let before = storage.commitStatistics
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    // Every fifth write inserts a duplicate after its first row: it must fail whole.
                    var statements = [SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, ?)", [.text("item-\(index)"), .integer(Int64(index))])]
                    if index % 5 == 0 { statements.append(SQLStatement("INSERT INTO demo_items (id, n) VALUES (?, 0)", [.text("item-\(index)")])) }
                    do {
                        try await module.execute(statements, audit: AuditDraft(actor: "staff-1", role: "staff", channel: "", target: "demo_item:\(index)", detail: "created"))
                        return true
                    } catch {
                        #expect("\(error)".contains("UNIQUE constraint failed"))
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 160 && outcomes.filter { !$0 }.count == 40)
        let rows = try await module.query(SQLStatement("SELECT id FROM demo_items")).compactMap { $0.string("id") }
        #expect(Set(rows) == Set((0..<200).filter { $0 % 5 != 0 }.map { "item-\($0)" }))
        let after = storage.commitStatistics
        #expect(after.writes - before.writes == 200)
        #expect(after.commits - before.commits < 200, "no two writes shared a commit: \(after)")
        let verified = try await storage.audit.verify(expectedHead: nil) { _ in }
        #expect(verified.count == 160 && verified.problem == nil)
    }

    @Test func durabilityIsFullWAL() async throws {
        let storage = try await open()
        let settings = try await storage.durabilitySettings()
        #expect(settings.synchronous == 2)
        #expect(settings.journalMode == "wal")
    }
}
