import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// The audit trail of a real `fawang serve`, tampered with directly in its SQLite file.
@Suite(.serialized) struct AuditTrailTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-audit-\(UUID().uuidString)")
    var database: String { directory.appendingPathComponent("fawang.sqlite").path }

    /// Runs the legal aid path on a real process, stops it, and returns the tracking number.
    func recordAPath() async throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("fawang.yaml").path
        try TestPlatform.configYAML(directory: directory).write(toFile: config, atomically: true, encoding: .utf8)
        let process = try await ServeProcess(configPath: config, directory: directory)
        let number = try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: process.grpcPort), transportSecurity: .plaintext)) { client in
            let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
            let number = try await legalAid.submitApplication(LegalAidSamples.application()).matter.trackingNumber
            let session = try await Fawang_Identity_V1_IdentityService.Client(wrapping: client).login(.with {
                $0.login = "staff-640100-reviewer"
                $0.password = "Fawang@2026"
            })
            let staff: Metadata = ["authorization": "Bearer \(session.accessToken)"]
            _ = try await legalAid.approve(.with {
                $0.trackingNumber = number
                $0.context = LegalAidSamples.staff()
            }, metadata: staff)
            // Refused by the workflow (already approved): no change, so no entry.
            await #expect(throws: RPCError.self) {
                _ = try await legalAid.refuse(.with {
                    $0.trackingNumber = number
                    $0.reasons = "x"
                    $0.context = LegalAidSamples.staff()
                }, metadata: staff)
            }
            return number
        }
        process.signal(SIGTERM)
        #expect(try await process.waitForExit() == 0)
        return number
    }

    func verify(_ path: String, _ extra: [String] = []) async throws -> (status: Int32, output: String) {
        try await runChildProcess(ServeProcess.executable, ["audit", "verify", "--database", path] + extra)
    }

    /// A copy of the database with the append-only triggers dropped, as an intruder would.
    func tamperedCopy(_ name: String, _ sql: String) async throws -> String {
        let copy = directory.appendingPathComponent("\(name).sqlite").path
        _ = try await sqlite("VACUUM INTO '\(copy)'", on: database)
        try await tamperWithAuditTrail(sql, on: copy)
        return copy
    }

    @Test func everyChangeIsAuditedAndTamperingIsCaught() async throws {
        _ = try await recordAPath()
        let methods = try await sqlite("SELECT method || ' ' || actor || ' ' || detail FROM audit_log WHERE target LIKE 'matter:%' ORDER BY sequence", on: database)
        #expect(methods.split(separator: "\n") == [
            "fawang.legalaid.v1.LegalAidService/SubmitApplication applicant submitted",
            "fawang.legalaid.v1.LegalAidService/Approve staff-640100-reviewer approved",
        ])
        // The trail refuses edits through SQL as long as its triggers stand.
        await expectFailure(containing: "audit_log is append-only") { _ = try await sqlite("UPDATE audit_log SET actor = 'x'", on: database) }

        // The demo accounts seeded on first start come first; the two matter changes end the chain.
        let last = try #require(Int(try await sqlite("SELECT MAX(sequence) FROM audit_log", on: database)))
        let intact = try await verify(database)
        #expect(intact.status == 0, "\(intact.output)")
        #expect(intact.output.contains("intact: \(last) entries"))
        let head = try #require(intact.output.split(separator: " ").last.map(String.init)?.trimmingCharacters(in: .whitespacesAndNewlines))

        let edited = try await verify(try await tamperedCopy("edited", "UPDATE audit_log SET actor = 'nobody' WHERE sequence = \(last)"))
        #expect(edited.status == 1)
        #expect(edited.output.contains("entry \(last) was altered"), "\(edited.output)")

        let deleted = try await verify(try await tamperedCopy("deleted", "DELETE FROM audit_log WHERE sequence = \(last - 1)"))
        #expect(deleted.status == 1)
        #expect(deleted.output.contains("entry \(last - 1) is missing"), "\(deleted.output)")

        let reordered = try await verify(try await tamperedCopy(
            "reordered",
            "UPDATE audit_log SET sequence = -1 WHERE sequence = \(last - 1); UPDATE audit_log SET sequence = \(last - 1) WHERE sequence = \(last); UPDATE audit_log SET sequence = \(last) WHERE sequence = -1"))
        #expect(reordered.status == 1)
        #expect(reordered.output.contains("entry \(last - 1) was altered"), "\(reordered.output)")

        // The signed checkpoint of the clean shutdown catches a cut tail without a recorded head.
        let truncated = try await tamperedCopy("truncated", "DELETE FROM audit_log WHERE sequence = \(last)")
        let checkedAgainstCheckpoint = try await verify(truncated)
        #expect(checkedAgainstCheckpoint.status == 1)
        #expect(checkedAgainstCheckpoint.output.contains("removed from the end"), "\(checkedAgainstCheckpoint.output)")
        let checkedAgainstHead = try await verify(truncated, ["--expect-head", head])
        #expect(checkedAgainstHead.status == 1)
        #expect(checkedAgainstHead.output.contains("removed from the end"), "\(checkedAgainstHead.output)")
    }
}
