import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// Identity numbers never reach the SQLite file in the clear, and a host without the right key
/// refuses to start rather than serve unreadable records.
@Suite(.serialized) struct PersonalDataAtRestTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-pii-\(UUID().uuidString)")

    @Test func identityNumbersAreSealedAndTheKeyIsChecked() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("fawang.yaml").path
        try TestPlatform.configYAML(directory: directory, logLevel: "info").write(toFile: config, atomically: true, encoding: .utf8)
        let process = try await ServeProcess(configPath: config, directory: directory)
        let application = LegalAidSamples.application()
        let matter = try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: process.grpcPort), transportSecurity: .plaintext)) { client in
            let submitted = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(application).matter
            // The anonymous submitter's copy is masked; the handling staff see the number.
            #expect(submitted.applicant.idNumber == ResidentIdentityNumber.masked(application.applicant.idNumber))
            let session = try await Fawang_Identity_V1_IdentityService.Client(wrapping: client).login(.with {
                $0.login = "staff-640100-reviewer"
                $0.password = "Fawang@2026"
            })
            return try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(
                .with { $0.id = submitted.id }, metadata: ["authorization": "Bearer \(session.accessToken)"])
        }
        #expect(matter.applicant.idNumber == application.applicant.idNumber)
        process.signal(SIGTERM)
        #expect(try await process.waitForExit() == 0)
        #expect(process.log.contains("generated a new data key file"))

        // Nothing in the database files holds the number in the clear.
        let database = directory.appendingPathComponent("fawang.sqlite").path
        let (_, dump) = try await runChildProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), [database, ".dump"])
        #expect(dump.contains("马小花"), "the dump is readable")
        #expect(!dump.contains(application.applicant.idNumber))
        #expect(dump.contains("v1:k"))
        let keyFile = directory.appendingPathComponent("fawang.keys").path
        let permissions = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(permissions == 0o600)

        // Replace the key: the host refuses to start and says what to do.
        try PersonalDataCipher.generateKeyLine(id: "other").write(toFile: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)  // not refused for its mode
        await #expect(throws: TestFailure.self) { _ = try await ServeProcess(configPath: config, directory: directory) }
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("serve-") }
        let output = try logs.map { try String(contentsOfFile: directory.appendingPathComponent($0).path, encoding: .utf8) }.joined()
        #expect(output.contains("not configured"), "\(output)")
        #expect(output.contains("FAWANG_DATA_KEYS"), "\(output)")
    }
}
