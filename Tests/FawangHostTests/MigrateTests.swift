import FawangCatalog
import FawangCore
import FawangPostgres
import FawangProto
import FawangSQLite
import FawangTestSupport
import Foundation
import Logging
import SwiftProtobuf
import Testing

/// `fawang migrate`: a deployment with demo data and activity moves from SQLite to a new
/// PostgreSQL database, every row and the audit chain with it; a second move into the same
/// database is refused.
@Suite struct MigrateTests {
    @Test(.sqliteOnly("it moves a SQLite deployment: its platform runs on SQLite whatever the pass"))
    func aDeploymentMovesToPostgreSQLWithEveryRowAndItsAuditChain() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("fawang.sqlite").path
        let keys = directory.appendingPathComponent("fawang.keys").path
        var tracking = ""
        try await TestPlatform.with(extraConfig: "demo.synthetic_matters: 300\n" + TestPlatform.unlimitedRates, plugins: PluginCatalog.all, sampleMatters: true) { platform in
            let created = try await platform.withClient { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application())
            }
            tracking = created.matter.trackingNumber
            _ = try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).approve(.with {
                    $0.trackingNumber = tracking
                    $0.context = LegalAidSamples.staff()
                })
            }
            // A consistent copy of the live file, and its data keys.
            _ = try await sqlite("VACUUM INTO '\(copy)'", on: platform.databasePath)
            try FileManager.default.copyItem(atPath: platform.directory.appendingPathComponent("fawang.keys").path, toPath: keys)
        }
        let url = try await PostgresTestCluster.freshDatabase()
        let (status, output) = try await runChildProcess(ServeProcess.executable, ["migrate", "--from", "sqlite:\(copy)", "--to", "postgres:\(url)"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("every table balances") && output.contains("audit chain verified on PostgreSQL"), "\(output)")
        #expect(output.contains("matters ") && output.contains("[####################] 100%"), "progress is shown: \(output)")

        // The same answers from both, people opened with the same data keys.
        let cipher = try PersonalDataCipher(keyList: String(contentsOfFile: keys, encoding: .utf8))
        let sqliteStore = try SQLiteStorage(path: copy, cipher: cipher, logger: Logger(label: "test"))
        let postgres = PostgresStorage(settings: try PostgresEngine.Settings(url: url), cipher: cipher, logger: Logger(label: "test"))
        defer { Task { await postgres.close() } }
        let number = try #require(TrackingNumber(tracking))
        let moved = try #require(try await postgres.matters.matter(trackingNumber: number))
        #expect(moved == (try await sqliteStore.matters.matter(trackingNumber: number)))
        #expect(moved.applicant.name == "马小花" && moved.status == "approved" && moved.timeline.count >= 2, "\(moved)")
        let before = try await sqliteStore.matters.list(MatterQuery(limit: 500)).matters
        #expect(before.count > 300)
        #expect(try await postgres.matters.list(MatterQuery(limit: 500)).matters == before)
        #expect(try await postgres.identity.account(login: "staff-640100-reviewer") == (try await sqliteStore.identity.account(login: "staff-640100-reviewer")))
        #expect(try await postgres.directory.allDivisions() == (try await sqliteStore.directory.allDivisions()))
        #expect(try await postgres.audit.lastSequence() == (try await sqliteStore.audit.lastSequence()))
        // The derived indexes came along: the same statistics.
        let today = CivilDate(Date())
        let question = StatisticsQuery(from: today.adding(days: -400), to: today, today: today, groupBy: [.line])
        #expect(try await postgres.matters.statistics(question) == (try await sqliteStore.matters.statistics(question)))
        // New writes continue the sequences where SQLite left them.
        let next = try await postgres.matters.update(trackingNumber: number, at: Date()) { _ in
            MatterChange(events: [MatterEventDraft(kind: "note", actor: "test", channel: .walkIn, note: "迁移后继续办理")])
        }
        #expect(next.timeline.last?.sequence == moved.timeline.count + 1)
        #expect(try await postgres.audit.verify(expectedHead: nil) { _ in }.problem == nil)

        // Into a database that already holds data: refused, nothing written.
        let (again, refusal) = try await runChildProcess(ServeProcess.executable, ["migrate", "--from", "sqlite:\(copy)", "--to", "postgres:\(url)"])
        #expect(again != 0 && refusal.contains("new, empty database"), "\(refusal)")
    }
}
