import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// A real `fawang serve` process: kill -9, signals, restart on the same database.
@Suite(.serialized) struct ProcessTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-process-\(UUID().uuidString)")

    /// Writes the config (info logs, which the tests read) and returns its path. A long poll
    /// interval lets a test drive reloads by SIGHUP alone.
    @discardableResult
    func writeConfig(_ extra: String = "", reloadIntervalMilliseconds: Int = 200) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("fawang.yaml").path
        try TestPlatform.configYAML(directory: directory, extra: extra, reloadIntervalMilliseconds: reloadIntervalMilliseconds, logLevel: "info")
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func withClient<T: Sendable>(port: Int, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> T) async throws -> T {
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) {
            try await body($0)
        }
    }

    @Test func anAcknowledgedSubmissionSurvivesKillNine() async throws {
        let config = try writeConfig()
        let first = try await ServeProcess(configPath: config, directory: directory)
        let number = try await withClient(port: first.grpcPort) { client in
            try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application()).matter.trackingNumber
        }
        first.signal(SIGKILL)
        #expect(try await first.waitForExit() != 0)

        let second = try await ServeProcess(configPath: config, directory: directory)
        defer { second.signal(SIGKILL) }
        let report = try await withClient(port: second.grpcPort) { client in
            try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                $0.trackingNumber = number
                $0.phoneLast4 = "1234"
            })
        }
        #expect(report.status == "submitted")
        #expect(report.timeline.map(\.kind) == ["submitted"])
        // Demo data was seeded once, not again on restart.
        #expect(second.log.contains("seeded demo data") == false)
    }

    /// Issue 14, group commit: 32 clients submit at once, so most commits carry several
    /// submissions, and the host is killed with -9 in the middle. Every submission that was
    /// acknowledged is there after the restart, complete (its matter, facts and deadline index).
    @Test func everyAcknowledgedSubmissionOfAGroupCommitSurvivesKillNine() async throws {
        let config = try writeConfig("limits:\n  public:\n    burst: 100000\n    calls_per_minute: 1000000\n")
        let first = try await ServeProcess(configPath: config, directory: directory)
        let acknowledged = Acknowledged()
        let clients = 32
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    // A client of its own per submitter, as 32 callers would have; each goes on
                    // until the host dies under it.
                    try? await self.withClient(port: first.grpcPort) { grpc in
                        let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: grpc)
                        for index in 0..<10_000 {
                            let phone = "139" + String(format: "%04d%04d", client, index)
                            let reply = try await legalAid.submitApplication(LegalAidSamples.application(phone: phone))
                            await acknowledged.add(reply.matter.trackingNumber, phone: phone)
                        }
                    }
                }
            }
            // Kill once a few hundred are in, while all 32 are mid-call.
            while await acknowledged.count < 300 { try await Task.sleep(for: .milliseconds(20)) }
            first.signal(SIGKILL)
            try await group.waitForAll()
        }
        #expect(try await first.waitForExit() != 0)
        let numbers = await acknowledged.numbers
        #expect(numbers.count >= 300)

        let second = try await ServeProcess(configPath: config, directory: directory)
        defer { second.signal(SIGKILL) }
        let database = directory.appendingPathComponent("fawang.sqlite").path
        let stored = try await sqlite("SELECT COUNT(*) FROM matters", on: database)
        #expect(Int(stored) ?? 0 >= numbers.count, "stored \(stored), acknowledged \(numbers.count)")
        let incomplete = try await sqlite(
            """
            SELECT COUNT(*) FROM matters m WHERE NOT EXISTS (SELECT 1 FROM matter_facts f WHERE f.matter_id = m.id)
                OR (m.business_line = 'legal-aid' AND NOT EXISTS (SELECT 1 FROM matter_deadlines d WHERE d.matter_id = m.id))
            """, on: database)
        #expect(incomplete == "0")
        // Each acknowledged one answers its own tracking number and phone.
        try await withClient(port: second.grpcPort) { client in
            let matters = Fawang_Matter_V1_MatterService.Client(wrapping: client)
            for (number, phone) in numbers {
                let report = try await matters.queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = String(phone.suffix(4))
                })
                #expect(report.status == "submitted")
            }
        }
    }

    actor Acknowledged {
        var numbers: [String: String] = [:]
        var count: Int { numbers.count }
        func add(_ number: String, phone: String) { numbers[number] = phone }
    }

    /// Issue 14: start-up no longer rereads every matter when nothing that derives the indexes
    /// changed. After `kill -9` the same build with the same rules finds them current (each write
    /// kept them in its own transaction) and a new matter's deadline is read from them; a rule's
    /// new length re-derives them at the next start.
    @Test func aRestartReDerivesTheIndexesOnlyWhenWhatDerivesThemChanged() async throws {
        let config = try writeConfig()
        let first = try await ServeProcess(configPath: config, directory: directory)
        #expect(first.log.contains("deadline index ready: re-derived"), "a fresh store is derived once")
        let number = try await withClient(port: first.grpcPort) { client in
            try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application()).matter.trackingNumber
        }
        first.signal(SIGKILL)
        #expect(try await first.waitForExit() != 0)

        let second = try await ServeProcess(configPath: config, directory: directory)
        #expect(second.log.contains("deadline index ready: current"), "\(second.log.suffix(2000))")
        #expect(!second.log.contains("deadline index ready: re-derived"))
        let report = try await withClient(port: second.grpcPort) { client in
            try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                $0.trackingNumber = number
                $0.phoneLast4 = "1234"
            })
        }
        #expect(report.status == "submitted")
        // What the skip rests on: the matter acknowledged before kill -9 is in every index.
        let database = directory.appendingPathComponent("fawang.sqlite").path
        let unindexed = try await sqlite(
            """
            SELECT COUNT(*) FROM matters m WHERE NOT EXISTS (SELECT 1 FROM matter_facts f WHERE f.matter_id = m.id)
                OR (m.business_line = 'legal-aid' AND NOT EXISTS (SELECT 1 FROM matter_deadlines d WHERE d.matter_id = m.id))
            """, on: database)
        #expect(unindexed == "0")
        second.signal(SIGTERM)
        _ = try await second.waitForExit()

        // The platform's callback standard set to 3 days: the next start re-derives.
        try writeConfig("deadlines:\n  rule_days:\n    platform.callback: 3\n")
        let third = try await ServeProcess(configPath: config, directory: directory)
        defer { third.signal(SIGKILL) }
        #expect(third.log.contains("deadline index ready: re-derived"), "\(third.log.suffix(2000))")
    }

    @Test func sigtermShutsDownGracefully() async throws {
        let process = try await ServeProcess(configPath: try writeConfig(), directory: directory)
        // Calls in flight when SIGTERM arrives (health Watch streams, a dozen of them so that the
        // last write races the transport's quiescing) are told NOT_SERVING and end normally, not
        // cut off with CANCELLED.
        let watchers = 12
        let ready = AsyncStream<Void>.makeStream()
        let seen = try await withClient(port: process.grpcPort) { client in
            try await withThrowingTaskGroup(of: [Grpc_Health_V1_HealthCheckResponse.ServingStatus].self) { group in
                for _ in 0..<watchers {
                    group.addTask {
                        try await Grpc_Health_V1_Health.Client(wrapping: client).watch(.with { $0.service = "" }) { response in
                            var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
                            for try await message in response.messages {
                                statuses.append(message.status)
                                if statuses == [.serving] { ready.continuation.yield() }
                            }
                            return statuses
                        }
                    }
                }
                var serving = 0
                for await _ in ready.stream {
                    serving += 1
                    if serving == watchers { break }
                }
                process.signal(SIGTERM)
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(seen == Array(repeating: [.serving, .notServing], count: watchers))
        #expect(try await process.waitForExit() == 0)
        #expect(process.log.contains("graceful shutdown"))
        #expect(process.log.contains("fawang stopped"))
    }

    @Test func sighupReloadsAndABadFileIsLoggedWithItsKey() async throws {
        let path = try writeConfig(reloadIntervalMilliseconds: 60_000)
        let process = try await ServeProcess(configPath: path, directory: directory)
        defer { process.signal(SIGKILL) }
        try writeConfig("modules:\n  legal-aid:\n    enabled: false\n", reloadIntervalMilliseconds: 60_000)
        process.signal(SIGHUP)
        try await withClient(port: process.grpcPort) { client in
            let health = Grpc_Health_V1_Health.Client(wrapping: client)
            try await eventually("SIGHUP applies the switch") {
                try await health.check(.with { $0.service = "legal-aid" }).status == .notServing
            }
        }
        try writeConfig("modules:\n  legal-aid:\n    enabled: sometimes\n", reloadIntervalMilliseconds: 60_000)
        process.signal(SIGHUP)
        try await eventually("the refusal is logged with its key") {
            process.log.contains("config file refused") && process.log.contains("config.key=modules.legal-aid.enabled")
        }
        let status = try await withClient(port: process.grpcPort) { client in
            try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "legal-aid" }).status
        }
        #expect(status == .notServing)

        // An emptied or deleted file is refused like an invalid one, at error level with its path.
        try "".write(toFile: path, atomically: false, encoding: .utf8)
        process.signal(SIGHUP)
        try await eventually("the empty file is refused") {
            process.log.split(separator: "\n").contains { line in
                line.contains(" error fawang: config file refused") && line.contains("config.path=\(path)")
                    && line.contains("config.reason=the file is empty")
            }
        }
        try FileManager.default.removeItem(atPath: path)
        process.signal(SIGHUP)
        try await eventually("the missing file is refused") {
            process.log.split(separator: "\n").contains { line in
                line.contains(" error fawang: config file refused") && line.contains("config.reason=the file is missing")
            }
        }
        let stillOff = try await withClient(port: process.grpcPort) { client in
            try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "legal-aid" }).status
        }
        #expect(stillOff == .notServing)

        // A valid change to a key that needs a restart is applied to nothing, and said so.
        try writeConfig("grpc.max_concurrent_streams: 64\nmodules.legal-aid.enabled: false\n", reloadIntervalMilliseconds: 60_000)
        process.signal(SIGHUP)
        try await eventually("the restart-only key is named") {
            process.log.contains("applies only after a restart config.key=grpc.max_concurrent_streams")
        }
    }
}
