import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// What a new user of the command line met (issue 9's defects), each pinned.
extension CLITests {
    /// A legal aid application keyed in by flags, anonymously (as a kiosk would) unless logged in.
    func submitByFlags(port: Int) async throws -> Run {
        try await fawang([
            "legal-aid", "submit", "--name", "马小花", "--id-number", "11010519491231002X", "--phone", "13951001234",
            "--region", "640104", "--category", "labour_remuneration", "--form", "litigation_agency", "--summary", "被拖欠工资",
            "--household-size", "4", "--income", "600", "--hardship", "家庭无其他收入来源", "--verification", "personal_commitment",
        ], port: port)
    }

    func trackingNumber(in output: String) throws -> String {
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("受理编号") }, "\(output)")
        return line.dropFirst("受理编号".count).trimmingCharacters(in: .whitespaces)
    }

    @Test("A phone the server masked prints as masked, not masked again (139****1234, not 1391234)")
    func maskedPhonesPrintAsSent() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let submitted = try await submitByFlags(port: platform.ports.grpc)
            #expect(submitted.status == 0, "\(submitted.output)")
            #expect(submitted.output.contains("139****1234"), "\(submitted.output)")
            #expect(!submitted.output.contains("1391234"), "\(submitted.output)")
        }
    }

    @Test("The staff view shows what staff need: identity number, the line's content, deadline rule ids")
    func showCarriesWhatStaffNeed() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let port = platform.ports.grpc
            let number = try trackingNumber(in: try await submitByFlags(port: port).output)
            _ = try await fawang(["login", "--login", "staff-640100-reviewer", "--password", "Fawang@2026"], port: port)
            let shown = try await fawang(["show", number], port: port)
            #expect(shown.status == 0, "\(shown.output)")
            for text in ["11010519491231002X", "13951001234", "caseCategory: labour_remuneration", "[legal-aid.decision]", "hardship"] {
                #expect(shown.output.contains(text), "show lacks \(text):\n\(shown.output)")
            }
        }
    }

    @Test("--channel is refused with why: the server decides the channel from the account")
    func badChannelIsRefused() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let port = platform.ports.grpc
            let number = try trackingNumber(in: try await submitByFlags(port: port).output)
            _ = try await fawang(["login", "--login", "staff-640100-reviewer", "--password", "Fawang@2026"], port: port)
            let refused = try await fawang(["legal-aid", "accept", number, "--channel", "hotline"], port: port)
            #expect(refused.status != 0)
            #expect(refused.output.contains("--channel") && refused.output.contains("按登录的账号确定"), "\(refused.output)")
            let transfer = try await fawang(["transfer", number, "--to", "mediation.dispute", "--reason", "x", "--channel", "hotline"], port: port)
            #expect(transfer.status != 0)
            #expect(transfer.output.contains("--channel") && transfer.output.contains("按登录的账号确定"), "\(transfer.output)")
            let unknownVerb = try await fawang(["legal-aid", "approve-everything", number], port: port)
            #expect(unknownVerb.status != 0 && unknownVerb.output.contains("accept"), "\(unknownVerb.output)")
            let unknownFlag = try await fawang(["legal-aid", "accept", number, "--notes", "x"], port: port)
            #expect(unknownFlag.status != 0 && unknownFlag.output.contains("--note"), "\(unknownFlag.output)")
        }
    }

    @Test("An expired access token is refreshed; logout still revokes; public commands need no session")
    func sessionIsRefreshed() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let port = platform.ports.grpc
            let number = try trackingNumber(in: try await submitByFlags(port: port).output)
            let login = try await fawang(["login", "--login", "staff-640100-reviewer", "--password", "Fawang@2026"], port: port)
            #expect(login.status == 0, "\(login.output)")

            // What the file holds 15 minutes later: an access token past its time.
            func expire() throws -> Fawang_Identity_V1_Session {
                var session = try Fawang_Identity_V1_Session(jsonUTF8Data: try Data(contentsOf: URL(fileURLWithPath: self.session)))
                session.accessToken = "expired"
                session.accessExpiresAt = .init(date: Date().addingTimeInterval(-60))
                try session.jsonUTF8Data().write(to: URL(fileURLWithPath: self.session))
                return session
            }
            _ = try expire()
            let me = try await fawang(["whoami"], port: port)
            #expect(me.status == 0 && me.output.contains("staff-640100-reviewer"), "\(me.output)")
            let refreshed = try Fawang_Identity_V1_Session(jsonUTF8Data: try Data(contentsOf: URL(fileURLWithPath: session)))
            #expect(refreshed.accessToken != "expired" && refreshed.accessExpiresAt.date > Date())

            let stale = try expire()
            let logout = try await fawang(["logout"], port: port)
            #expect(logout.status == 0, "\(logout.output)")
            #expect(!FileManager.default.fileExists(atPath: session))
            // Both tokens of the session are dead: the refresh token logout was left with, too.
            await expectStatus(.unauthenticated) {
                _ = try await platform.withClient { client in
                    try await Fawang_Identity_V1_IdentityService.Client(wrapping: client).refresh(.with { $0.refreshToken = stale.refreshToken })
                }
            }

            // A session that can no longer be refreshed does not stop the public progress query.
            try stale.jsonUTF8Data().write(to: URL(fileURLWithPath: session))
            let progress = try await fawang(["progress", number, "--phone-last4", "1234"], port: port)
            #expect(progress.status == 0, "\(progress.output)")
            #expect(progress.output.contains("待审查"), "\(progress.output)")
        }
    }

    @Test("--server is taken anywhere on the line; an unreachable server is explained in Chinese")
    func serverOptionAnywhere() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let address = "127.0.0.1:\(platform.ports.grpc)"
            for arguments in [["deadlines", "--server", address, "calendar"], ["--server", address, "legal-aid", "providers", "--region", "640104"]] {
                let (status, output) = try await runChildProcess(ServeProcess.executable, arguments, environment: ["FAWANG_SESSION": session])
                #expect(status == 0, "\(arguments): \(output)")
            }
        }
        let (status, output) = try await runChildProcess(ServeProcess.executable, ["modules", "--server", "127.0.0.1:1"], environment: ["FAWANG_SESSION": session])
        #expect(status != 0)
        #expect(output.contains("无法连接服务器 127.0.0.1:1"), "\(output)")
    }

    @Test("Every login the README names exists in a fresh demo database")
    func readmeLoginsExist() async throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md"), encoding: .utf8)
        var logins = Set(readme.matches(of: /--login ([A-Za-z0-9-]+)/).map { String($0.1) })
        // The demo accounts table's first column, placeholders left out.
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            logins.formUnion(line.split(separator: "|").first.map { $0.matches(of: /`([A-Za-z0-9-]+)`/).map { String($0.1) } } ?? [])
        }
        #expect(logins.count >= 7, "\(logins.sorted())")
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            for login in logins.sorted() {
                do {
                    _ = try await platform.accessToken(login)
                } catch {
                    Issue.record("README names \(login), which cannot log in: \(error)")
                }
            }
        }
    }

    @Test("serve refuses a --config that does not exist and names a busy port")
    func serveStartUpMistakes() async throws {
        let missing = "/nonexistent/fawang-\(UUID().uuidString).yaml"
        let (status, output) = try await runChildProcess(ServeProcess.executable, ["serve", "--config", missing], environment: [:])
        #expect(status != 0)
        #expect(output.contains(missing), "\(output)")

        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-busy-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let config = directory.appendingPathComponent("fawang.yaml")
            try "metrics:\n  enabled: false\nhttp:\n  enabled: false\nstorage:\n  sqlite:\n    path: \(directory.path)/fawang.sqlite\n".write(to: config, atomically: true, encoding: .utf8)
            let (status, output) = try await runChildProcess(
                ServeProcess.executable, ["serve", "--config", config.path, "--port", "\(platform.ports.grpc)"], environment: [:])
            #expect(status != 0)
            #expect(output.contains("127.0.0.1:\(platform.ports.grpc)") && output.contains("grpc.port"), "\(output)")
        }
    }
}

/// The matter list refuses filters that can match nothing, instead of answering with nothing.
@Suite struct MatterListFilterTests {
    @Test func unknownLineOrStatusIsAnInvalidArgument() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient(as: "staff-640100-reviewer") { client in
                let matters = Fawang_Matter_V1_MatterService.Client(wrapping: client)
                await expectStatus(.invalidArgument, field: "business_line", containing: ["legal-aid"]) {
                    _ = try await matters.listMatters(.with { $0.businessLine = "legal_aid" })
                }
                await expectStatus(.invalidArgument, field: "status", containing: ["submitted"]) {
                    _ = try await matters.listMatters(.with {
                        $0.businessLine = "legal-aid"
                        $0.status = "待审查"
                    })
                }
                let listed = try await matters.listMatters(.with {
                    $0.businessLine = "legal-aid"
                    $0.status = "submitted"
                })
                #expect(listed.matters.allSatisfy { $0.status == "submitted" })
            }
        }
    }
}

/// docs/rpc-reference.md is generated from the contract and the RPC tables.
@Suite struct RPCReferenceTests {
    @Test func committedReferenceMatchesTheContract() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/rpc-reference.md")
        let committed = try String(contentsOf: path, encoding: .utf8)
        let generated = RPCReference.markdown(plugins: PluginCatalog.all)
        #expect(committed == generated, "docs/rpc-reference.md is stale: run `swift run fawang rpc-reference > docs/rpc-reference.md`")
        // Every service the host serves has its section (not the external plugins' contract: the
        // handshake it calls, the host API it serves each plugin on a socket of its own).
        for service in ProtoSchema.current.services where service.fullName.hasPrefix("fawang.") && !service.fullName.hasPrefix("fawang.plugin.") {
            #expect(generated.contains("## \(service.fullName)"), "\(service.fullName)")
        }
    }
}
