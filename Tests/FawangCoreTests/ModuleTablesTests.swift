import FawangCore
import FawangSQLite
import Foundation
import Logging
import Testing

/// A plugin's storage reaches its own tables only.
@Suite struct ModuleTablesTests {
    @Test(arguments: [
        "SELECT * FROM legal_aid_providers WHERE id = ? ORDER BY id",
        "INSERT INTO legal_aid_providers (id, name) VALUES (?, 'x FROM matters')",
        "UPDATE legal_aid_providers SET active = 0 WHERE id IN (SELECT id FROM legal_aid_providers)",
        "DELETE FROM \"legal_aid_providers\" WHERE id = ?",
        "INSERT INTO legal_aid_providers (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    ])
    func ownTablesPass(sql: String) {
        #expect(ModuleTables.problem(with: sql, module: "legal-aid") == nil)
    }

    @Test(arguments: [
        "SELECT * FROM matters",
        "SELECT p.id FROM legal_aid_providers p JOIN accounts a ON a.id = p.id",
        "INSERT INTO notarization_offices (id) VALUES (?)",
        "UPDATE audit_log SET hash = ''",
        "INSERT INTO legal_aid_providers (id) VALUES (?) ON CONFLICT (id) DO UPDATE SET id = (SELECT id FROM accounts)",
        "DELETE FROM matter_deadlines",
        "DROP TABLE legal_aid_providers",
        "PRAGMA writable_schema = 1",
    ])
    func everythingElseIsRefused(sql: String) {
        #expect(ModuleTables.problem(with: sql, module: "legal-aid") != nil)
    }

    @Test func sqliteModuleStorageRefusesOtherTablesBeforeRunning() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-scope-\(UUID().uuidString)/test.sqlite").path
        let storage = try SQLiteStorage(path: path, cipher: try PersonalDataCipher(keyList: PersonalDataCipher.generateKeyLine(id: "t")), logger: Logger(label: "test"))
        try await storage.migrate(modules: [("demo", [StorageMigration(id: "v1", statements: ["CREATE TABLE demo_items (id TEXT PRIMARY KEY)"])])])
        let module = storage.moduleStorage(for: "demo")
        for statement in [SQLStatement("SELECT * FROM matters"), SQLStatement("DELETE FROM audit_log")] {
            await #expect {
                _ = try await module.query(statement)
            } throws: { error in
                (error as? FawangError)?.code == .internalError && (error as? FawangError)?.message.contains("demo_") == true
            }
        }
        await #expect {
            try await module.execute([SQLStatement("INSERT INTO demo_items (id) VALUES ('a')"), SQLStatement("DELETE FROM matters")])
        } throws: { error in (error as? FawangError)?.code == .internalError }
        // Refused whole: the first, in-scope statement did not run either.
        #expect(try await module.query(SQLStatement("SELECT id FROM demo_items")).isEmpty)
    }
}
