import FawangCatalog
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A host whose audit trail does not verify serves reads only (`audit.on_broken_chain:
/// read_only` at start-up, or a break found while running): queries and sign-in work,
/// submissions and workflow steps answer FAILED_PRECONDITION, and it says so loudly.
@Suite(.serialized) struct ReadOnlyHostTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-read-only-\(UUID().uuidString)")
    var database: String { directory.appendingPathComponent("fawang.sqlite").path }

    func writeConfig(_ extra: String = "") throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("fawang.yaml").path
        try TestPlatform.configYAML(directory: directory, extra: extra, logLevel: "info").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What a read-only host answers: `number` (a matter whose applicant phone ends 1234) can be
    /// queried and read by staff; a new submission and a workflow step are refused.
    static func expectReadOnly(_ client: GRPCClient<some ClientTransport>, number: String) async throws {
        let modules = try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init())
        #expect(modules.readOnly)
        #expect(modules.notice.contains("只读"), "\(modules.notice)")

        let progress = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
            $0.trackingNumber = number
            $0.phoneLast4 = "1234"
        })
        #expect(progress.status == "submitted")
        // Staff still sign in and read (the read's audit entry is still written).
        let session = try await Fawang_Identity_V1_IdentityService.Client(wrapping: client).login(.with {
            $0.login = "staff-640100-reviewer"
            $0.password = "Fawang@2026"
        })
        let staff: Metadata = ["authorization": "Bearer \(session.accessToken)"]
        let matter = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = number }, metadata: staff)
        #expect(matter.trackingNumber == number)

        let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
        await expectStatus(.failedPrecondition, containing: ["只读", "12348"]) {
            _ = try await legalAid.submitApplication(LegalAidSamples.application())
        }
        await expectStatus(.failedPrecondition, containing: ["只读"]) {
            _ = try await legalAid.approve(.with {
                $0.trackingNumber = number
                $0.context = LegalAidSamples.staff()
            }, metadata: staff)
        }
        let unchanged = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = number }, metadata: staff)
        #expect(unchanged.status == "submitted")
        #expect(unchanged.timeline.map(\.kind) == matter.timeline.map(\.kind))
    }

    @Test func aBrokenTrailAtStartUpServesReadsOnlyWhenTheConfigSaysSo() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await ServeProcess(configPath: try writeConfig(), directory: directory)
        let number = try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: first.grpcPort), transportSecurity: .plaintext)) { client in
            try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application()).matter.trackingNumber
        }
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)
        let checkpoint = try await sqlite("SELECT entry_count FROM audit_checkpoint", on: database)
        let last = try #require(Int(try await sqlite("SELECT MAX(sequence) FROM audit_log", on: database)))
        #expect(checkpoint == "\(last)", "a clean stop checkpoints the head")
        try await tamperWithAuditTrail("UPDATE audit_log SET actor = 'nobody' WHERE sequence = \(last)", on: database)

        let second = try await ServeProcess(configPath: try writeConfig("audit:\n  on_broken_chain: read_only\n"), directory: directory)
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: second.grpcPort), transportSecurity: .plaintext)) { client in
            try await Self.expectReadOnly(client, number: number)
        }
        // The command line's module list leads with it.
        let modules = try await runChildProcess(ServeProcess.executable, ["modules", "--server", "127.0.0.1:\(second.grpcPort)"])
        #expect(modules.status == 0)
        #expect(modules.output.hasPrefix("只读：平台当前处于只读状态"), "\(modules.output)")
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
        let log = second.log
        #expect(log.contains("critical fawang: audit trail broken: serving reads only"), "\(log)")
        #expect(log.contains("audit.problem=entry \(last) "))
        #expect(log.contains("fawang audit verify --database \(database)"))
        // The alert repeats at shutdown, and the checkpoint never moves over the broken trail,
        // though sign-in and reads appended entries.
        #expect(log.contains("critical fawang: serving reads only: the audit trail does not verify"))
        #expect(try await sqlite("SELECT entry_count FROM audit_checkpoint", on: database) == checkpoint)
        #expect(Int(try await sqlite("SELECT MAX(sequence) FROM audit_log", on: database))! > last)
    }

    @Test func aBreakFoundWhileRunningStopsChangesButNotQueries() async throws {
        try await TestPlatform.with(extraConfig: "audit:\n  checkpoint_seconds: 1\n", plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let number = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                    .submitApplication(LegalAidSamples.application()).matter.trackingNumber
                let platformService = Fawang_Platform_V1_PlatformService.Client(wrapping: client)
                #expect(try await platformService.listModules(.init()).readOnly == false)
                #expect(try await metric(platform, "fawang_read_only") == 0)

                try await platform.database.tamperWithAuditTrail(
                    "UPDATE audit_log SET detail = 'nothing happened' WHERE sequence = (SELECT MAX(sequence) FROM audit_log)")
                try await eventually("the checkpoint service finds the break") {
                    try await platformService.listModules(.init()).readOnly
                }
                try await Self.expectReadOnly(client, number: number)
                #expect(try await metric(platform, "fawang_read_only") == 1)
            }
        }
    }

    /// The value of an unlabelled metric on the platform's /metrics.
    func metric(_ platform: TestPlatform, _ name: String) async throws -> Double? {
        let port = try #require(platform.ports.metrics)
        let (data, _) = try await URLSession.isolated().data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        let prefix = name + " "
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(prefix) }
        return line.flatMap { Double($0.dropFirst(prefix.count)) }
    }
}
