import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// The host verifies the audit chain at start-up from its last signed checkpoint and refuses a
/// database whose chain was edited or cut short.
@Suite(.serialized) struct AuditStartupTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-audit-start-\(UUID().uuidString)")
    var configPath: String { directory.appendingPathComponent("fawang.yaml").path }

    /// The test's database (on the pass's engine) and a config for it.
    func writeConfig(_ extra: String = "", logLevel: String = "warning") async throws -> TestDatabase {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try await TestDatabase.make(in: directory)
        try TestPlatform.configYAML(directory: directory, extra: extra, logLevel: logLevel, postgresURL: database.postgresURL)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        return database
    }

    /// `fawang audit verify` on the database of the config (and its key files): either engine.
    func verify() async throws -> (status: Int32, output: String) {
        try await runChildProcess(ServeProcess.executable, ["audit", "verify", "--config", configPath])
    }

    /// The refusal of a host started on the database now.
    func refusal() async throws -> String {
        do {
            try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { _ in }
        } catch let error as FawangError {
            #expect(error.code == .failedPrecondition)
            return error.message
        }
        Issue.record("the host started on a broken audit chain")
        return ""
    }

    @Test func anEntryEditedAfterTheCheckpointStopsTheStart() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await writeConfig()
        // A crash (kill -9) leaves entries after the last checkpoint: those are what start-up checks.
        let process = try await ServeProcess(configPath: configPath, directory: directory)
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: process.grpcPort), transportSecurity: .plaintext)) { client in
            _ = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application())
        }
        process.signal(SIGKILL)
        _ = try await process.waitForExit()
        let last = try #require(Int(try await database.query("SELECT MAX(sequence) FROM audit_log")))
        try await database.tamperWithAuditTrail("UPDATE audit_log SET actor = 'nobody' WHERE sequence = \(last)")
        let message = try await refusal()
        // Named as the operator knows it: the file, or the PostgreSQL database.
        let name = database.postgresURL.map { String($0.split(separator: "/").last ?? "") } ?? database.sqlitePath
        for text in ["entry \(last) was altered", name, "fawang audit verify", "audit.on_broken_chain"] {
            #expect(message.contains(text), "\(message)")
        }
    }

    @Test func entriesRemovedFromTheEndAreCaughtWithoutARecordedHead() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await writeConfig()
        try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { _ in }
        let last = try #require(Int(try await database.query("SELECT MAX(sequence) FROM audit_log")))
        #expect(try await database.query("SELECT entry_count FROM audit_checkpoint") == "\(last)", "a clean shutdown checkpoints the head")
        // A restart on an intact chain is fine, and the CLI agrees.
        try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { _ in }
        let intact = try await verify()
        #expect(intact.status == 0, "\(intact.output)")
        #expect(intact.output.contains("intact: \(last) entries"), "\(intact.output)")

        try await database.tamperWithAuditTrail("DELETE FROM audit_log WHERE sequence = \(last)")
        let message = try await refusal()
        #expect(message.contains("removed from the end"), "\(message)")
        #expect(message.contains("entry \(last)"), "\(message)")
        let verified = try await verify()
        #expect(verified.status == 1)
        #expect(verified.output.contains("removed from the end"), "\(verified.output)")
    }

    @Test func aForgedCheckpointIsRefused() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await writeConfig()
        try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { _ in }
        let last = try #require(Int(try await database.query("SELECT MAX(sequence) FROM audit_log")))
        // Cutting the tail and moving the checkpoint back with it is caught by its signature.
        try await database.tamperWithAuditTrail("""
            DELETE FROM audit_log WHERE sequence = \(last);
            UPDATE audit_checkpoint SET entry_count = \(last - 1), head_hash = (SELECT hash FROM audit_log WHERE sequence = \(last - 1))
            """)
        let message = try await refusal()
        #expect(message.contains("checkpoint"), "\(message)")
        #expect(message.contains("signature"), "\(message)")
        // So is a deleted checkpoint once one was written.
        _ = try await database.query("DELETE FROM audit_checkpoint")
        #expect(try await refusal().contains("checkpoint"))
    }
}
