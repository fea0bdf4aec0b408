import FawangCatalog
import FawangHost
import FawangPluginKit
import FawangProto
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
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let port = platform.ports.grpc
            var application = LegalAidSamples.application()
            application.clearContext()
            let file = platform.directory.appendingPathComponent("application.json")
            try application.jsonString().write(to: file, atomically: true, encoding: .utf8)

            let submitted = try await fawang(["legal-aid", "submit", "--file", file.path, "--operator", "staff-640100-window", "--json"], port: port)
            #expect(submitted.status == 0, "\(submitted.output)")
            let matter = try #require(submitted.json["matter"] as? [String: Any], "\(submitted.output)")
            // Not signed in: a native gRPC client with no account is the app, whatever it would claim.
            #expect(matter["channel"] as? String == "CHANNEL_MOBILE")
            let number = try #require(matter["tracking_number"] as? String)

            let refusedWithoutLogin = try await fawang(["legal-aid", "accept", number], port: port)
            #expect(refusedWithoutLogin.status != 0)
            #expect(refusedWithoutLogin.output.contains("请先登录"))

            _ = try await fawang(["login", "--login", "staff-640100-reviewer", "--password", "Fawang@2026"], port: port)
            let accepted = try await fawang(["legal-aid", "accept", number], port: port)
            #expect(accepted.status == 0, "\(accepted.output)")
            #expect(accepted.output.contains("已决定给予法律援助"))

            let progress = try await fawang(["progress", number, "--phone-last4", "1234", "--json"], port: port)
            #expect(progress.json["status"] as? String == "approved", "\(progress.output)")
            #expect(progress.json["applicant_name_masked"] as? String == "马**")

            let flags = try await fawang([
                "legal-aid", "submit", "--name", "李四", "--id-number", "11010519491231002X", "--phone", "13800001111", "--region", "640202",
                "--category", "maintenance", "--form", "litigation_agency", "--summary", "追索抚养费",
                "--hardship-exemption", "domestic_violence_victim", "--operator", "staff-640200-window",
            ], port: port)
            #expect(flags.status == 0, "\(flags.output)")
            #expect(flags.output.contains("大武口区"))

            let badFlag = try await fawang(["legal-aid", "submit", "--category", "astrology"], port: port)
            #expect(badFlag.status != 0)
            #expect(badFlag.output.contains("--category"))

            let modules = try await fawang(["modules"], port: port)
            #expect(modules.output.contains("legal-aid"))
            let health = try await fawang(["health", "legal-aid"], port: port)
            #expect(health.output.contains("serving"))
        }
    }

    @Test func loginKeepsTheSessionUntilLogout() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
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

    /// The commands a help text lists: the first word of each entry line (two spaces in), exactly.
    static func commands(inHelp help: String) -> Set<String> {
        Set(help.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first, !word.hasPrefix("-") else { return nil }
            return String(word)
        })
    }

    /// Every line's staff actions are on the command line: each group lists exactly its verbs
    /// (a whole word each, so `not-accept` does not stand in for `accept`).
    @Test func everyLineHasItsCommandGroup() async throws {
        let groups: [String: [String]] = [
            "legal-aid": ["submit", "request-materials", "supply-materials", "accept", "refuse", "assign", "conclude", "rate", "providers"],
            "mediation": ["apply", "assign-committee", "assign-mediators", "session", "decline", "agreement", "fail", "confirmation"],
            "petitions": ["submit", "accept", "not-accept", "refer", "answer", "request-review", "review-opinion", "stats"],
            "notarization": ["apply", "accept", "request-materials", "supply-materials", "issue", "refuse", "decide-review"],
            "judicial-appraisal": ["entrust", "accept", "refuse", "issue-opinion", "complain", "conclude-complaint"],
            "lawyers": ["apply-practice", "apply-firm", "accept", "forward", "grant", "refuse", "complain", "decide-complaint", "search"],
            "legal-exam": ["confirm", "refuse-registration", "record-result", "lookup-result", "approve-certificate", "decide-appeal"],
            "admin-approval": ["submit", "request-materials", "accept", "not-accept", "submit-to-upper", "hearing", "approve", "deny", "issue-licence"],
            "deadlines": ["alerts", "escalations", "extend", "pause", "resume", "calendar", "due-date"],
        ]
        for (group, commands) in groups {
            let (status, help) = try await runChildProcess(ServeProcess.executable, [group, "--help"], environment: [:])
            #expect(status == 0, "\(group): \(help)")
            let listed = Self.commands(inHelp: help)
            for command in commands { #expect(listed.contains(command), "fawang \(group) lacks \(command): \(listed.sorted())") }
        }
    }

    @Test("公证法第三十条：窗口用命令行受理公证申请，显示十五个工作日的期限；期限推算与转办") func notarizationDeadlinesAndTransferFromTheCommandLine() async throws {
        // A day whose 15 working days lie inside the shipped calendar, whenever the test runs.
        try await TestPlatform.with(plugins: PluginCatalog.all, clock: TestClock(at: beijing(2026, 6, 1))) { platform in
            let port = platform.ports.grpc
            _ = try await fawang(["login", "--login", "notarization-640100", "--password", "Fawang@2026"], port: port)
            let applied = try await fawang([
                "notarization", "apply", "--name", "马小花", "--id-number", "11010519491231002X",
                "--phone", "13951001234", "--region", "640104", "--place-basis", "domicile", "--kind", "education",
                "--purpose", "出国留学", "--material", "申请人身份证明", "--material", "学历证书", "--json",
            ], port: port)
            #expect(applied.status == 0, "\(applied.output)")
            let number = try #require((applied.json["matter"] as? [String: Any])?["tracking_number"] as? String, "\(applied.output)")
            let accepted = try await fawang(
                ["notarization", "accept", number, "--office", "np-640104-1", "--notary", "李公证员", "--notice", "已告知法律意义和后果"], port: port)
            #expect(accepted.status == 0, "\(accepted.output)")
            #expect(accepted.output.contains("15个工作日，《中华人民共和国公证法》第三十条"), "\(accepted.output)")

            let due = try await fawang(["deadlines", "due-date", "2026-09-24", "15", "--working"], port: port)
            #expect(due.output.contains("2026-10-22"), "\(due.output)")
            let beyond = try await fawang(["deadlines", "due-date", "2026-12-20", "15", "--working"], port: port)
            #expect(beyond.status != 0 && beyond.output.contains("2026-12-31"), "\(beyond.output)")
            let alerts = try await fawang(["deadlines", "alerts"], port: port)
            #expect(alerts.status == 0, "\(alerts.output)")

            let moved = try await fawang(["transfer", number, "--to", "mediation.dispute", "--reason", "当事人实为继承纠纷，申请调解"], port: port)
            #expect(moved.status == 0, "\(moved.output)")
            #expect(moved.output.contains("人民调解"), "\(moved.output)")
        }
    }
}
