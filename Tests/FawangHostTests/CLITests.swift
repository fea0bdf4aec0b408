import FawangHost
import FawangProtocols
import FawangTestSupport
import Foundation
import SwiftProtobuf
import Testing

/// The `fawang` executable as a hall window uses it, against a real host.
@Suite struct CLITests {
    struct Run {
        var status: Int32
        var output: String
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]) ?? [:]
        }
    }

    /// Each test keeps its own CLI session file.
    let session = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-cli-\(UUID().uuidString).json").path

    func fawang(_ arguments: [String], port: Int) async throws -> Run {
        let (status, output) = try await runChildProcess(
            ServeProcess.executable, arguments + ["--server", "127.0.0.1:\(port)"], environment: ["FAWANG_SESSION": session])
        return Run(status: status, output: output)
    }

    @Test func submitFromAJSONFileThenDecideAndQuery() async throws {
        try await TestPlatform.with { platform in
            let port = platform.ports.grpc
            var application = LegalAidSamples.application()
            application.clearContext()
            let file = platform.directory.appendingPathComponent("application.json")
            try application.jsonString().write(to: file, atomically: true, encoding: .utf8)

            let submitted = try await fawang(["submit", "--file", file.path, "--channel", "hotline", "--operator", "staff-640100-window", "--json"], port: port)
            #expect(submitted.status == 0, "\(submitted.output)")
            let matter = try #require(submitted.json["matter"] as? [String: Any], "\(submitted.output)")
            #expect(matter["channel"] as? String == "CHANNEL_HOTLINE")
            let number = try #require(matter["tracking_number"] as? String)

            let refusedWithoutLogin = try await fawang(["accept", number], port: port)
            #expect(refusedWithoutLogin.status != 0)
            #expect(refusedWithoutLogin.output.contains("请先登录"))

            _ = try await fawang(["login", "--login", "staff-640100-reviewer", "--password", "Fawang@2026"], port: port)
            let accepted = try await fawang(["accept", number], port: port)
            #expect(accepted.status == 0, "\(accepted.output)")
            #expect(accepted.output.contains("已决定给予法律援助"))

            let progress = try await fawang(["progress", number, "--phone-last4", "1234", "--json"], port: port)
            #expect(progress.json["status"] as? String == "approved", "\(progress.output)")
            #expect(progress.json["applicant_name_masked"] as? String == "马**")

            let flags = try await fawang([
                "submit", "--name", "李四", "--id-number", "11010519491231002X", "--phone", "13800001111", "--region", "640202",
                "--category", "maintenance", "--form", "litigation_agency", "--summary", "追索抚养费",
                "--hardship-exemption", "domestic_violence_victim", "--channel", "walk_in", "--operator", "staff-640200-window",
            ], port: port)
            #expect(flags.status == 0, "\(flags.output)")
            #expect(flags.output.contains("大武口区"))

            let badFlag = try await fawang(["submit", "--category", "astrology"], port: port)
            #expect(badFlag.status != 0)
            #expect(badFlag.output.contains("--category"))

            let modules = try await fawang(["modules"], port: port)
            #expect(modules.output.contains("legal-aid"))
            let health = try await fawang(["health", "legal-aid"], port: port)
            #expect(health.output.contains("serving"))
        }
    }

    @Test func loginKeepsTheSessionUntilLogout() async throws {
        try await TestPlatform.with { platform in
            let port = platform.ports.grpc
            let wrong = try await fawang(["login", "--login", "staff-640100-reviewer", "--password", "nope"], port: port)
            #expect(wrong.status != 0)
            #expect(wrong.output.contains("账号或密码不正确"))
            #expect(!FileManager.default.fileExists(atPath: session))

            let login = try await fawang(["login", "--login", "staff-640100-reviewer", "--password", "Fawang@2026"], port: port)
            #expect(login.status == 0, "\(login.output)")
            #expect((try FileManager.default.attributesOfItem(atPath: session)[.posixPermissions] as? Int) == 0o600)
            let me = try await fawang(["whoami"], port: port)
            #expect(me.output.contains("staff-640100-reviewer"), "\(me.output)")

            let logout = try await fawang(["logout"], port: port)
            #expect(logout.status == 0, "\(logout.output)")
            #expect(!FileManager.default.fileExists(atPath: session))
            let anonymous = try await fawang(["whoami"], port: port)
            #expect(anonymous.status != 0)
            #expect(anonymous.output.contains("unauthenticated"), "\(anonymous.output)")
        }
    }
}
