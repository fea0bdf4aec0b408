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

    func fawang(_ arguments: [String], port: Int) async throws -> Run {
        let (status, output) = try await runChildProcess(ServeProcess.executable, arguments + ["--server", "127.0.0.1:\(port)"])
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

            let refusedWithoutOperator = try await fawang(["accept", number], port: port)
            #expect(refusedWithoutOperator.status != 0)
            #expect(refusedWithoutOperator.output.contains("context.operator_id"))

            let accepted = try await fawang(["accept", number, "--operator", "staff-640100-reviewer"], port: port)
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
}
