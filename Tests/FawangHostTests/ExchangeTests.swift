import FawangCatalog
import FawangCore
import FawangHost
import FawangProto
import FawangTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// The exchange with the national platform over real processes: the stand-in endpoint
/// (`fawang-national-standin`) is killed and restarted under the host, and the host itself is
/// killed mid-push; every change still takes effect there exactly once, in order, signed.
@Suite(.serialized) struct ExchangeTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-exchange-\(UUID().uuidString)")

    /// A fresh signing key in a 0600 file: its path and public key.
    func signingKey() throws -> (path: String, publicKey: String) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let key = ExchangeSigningKey.generate()
        let path = directory.appendingPathComponent("exchange.key").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data((key.fileLine + "\n").utf8), attributes: [.posixPermissions: 0o600]))
        return (path, key.publicKey)
    }

    /// The other tests count matters' items only: the day's figures are `statistics`'s.
    static func config(port: Int, keyPath: String, statistics: Bool = false) -> String {
        """
        exchange:
          enabled: true
          national_address: 127.0.0.1:\(port)
          signing_key_file: \(keyPath)
          call_timeout_seconds: 2
          daily_statistics: \(statistics)
        """
    }

    func submit(_ count: Int, port: Int) async throws -> [String] {
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
            let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
            var numbers: [String] = []
            for _ in 0..<count { numbers.append(try await legalAid.submitApplication(LegalAidSamples.application()).matter.trackingNumber) }
            return numbers
        }
    }

    /// The outbox by state, and what the stand-in recorded: (received, accepted deliveries).
    func counts(host: TestDatabase, national: String) async throws -> (outbox: [String: Int], received: Int, accepted: Int) {
        let there = try await sqlite(
            """
            SELECT 'received', COUNT(*) FROM received;
            SELECT 'accepted', COUNT(*) FROM deliveries WHERE disposition = 'accepted';
            """, on: national)
        let rows = there + "\n" + (try await host.query("SELECT state, COUNT(*) FROM exchange_outbox GROUP BY state"))
        var outbox: [String: Int] = [:]
        var (received, accepted) = (-1, -1)
        for line in rows.split(separator: "\n") {
            let parts = line.split(separator: "|")
            switch parts[0] {
            case "received": received = Int(parts[1]) ?? -1
            case "accepted": accepted = Int(parts[1]) ?? -1
            default: outbox[String(parts[0])] = Int(parts[1])
            }
        }
        return (outbox, received, accepted)
    }

    @Test func everyChangeReachesTheNationalPlatformOnceThroughAnOutage() async throws {
        let key = try signingKey()
        let national = directory.appendingPathComponent("national.sqlite").path
        var standin = try await NationalStandinProcess(databasePath: national, publicKey: key.publicKey, directory: directory)
        let port = standin.port
        try await TestPlatform.with(extraConfig: Self.config(port: port, keyPath: key.path), plugins: PluginCatalog.all) { platform in
            let host = platform.database
            let first = try await submit(5, port: platform.ports.grpc)
            // A status change is a data item too.
            _ = try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).approve(.with {
                    $0.trackingNumber = first[0]
                    $0.context = LegalAidSamples.staff()
                })
            }
            try await eventually(every: .milliseconds(250), "the first six reach the national platform") {
                let now = try await counts(host: host, national: national)
                return now.outbox == ["acknowledged": 6] && now.received == 6
            }

            // The national endpoint goes down; changes keep coming, and wait in the outbox.
            standin.kill()
            _ = try await submit(10, port: platform.ports.grpc)
            try await eventually(every: .milliseconds(250), "a delivery fails and is put off") {
                Int(try await host.query("SELECT COUNT(*) FROM exchange_outbox WHERE state = 'pending' AND attempts > 0")) ?? 0 > 0
            }
            #expect(try await counts(host: host, national: national).outbox["pending"] == 10)

            // Back on the same port: everything arrives, once, in commit order.
            standin = try await NationalStandinProcess(databasePath: national, publicKey: key.publicKey, port: port, directory: directory)
            try await eventually(timeout: .seconds(60), every: .milliseconds(250), "the rest arrive after the outage") {
                let now = try await counts(host: host, national: national)
                return now.outbox == ["acknowledged": 16] && now.received == 16
            }
            let now = try await counts(host: host, national: national)
            #expect(now.accepted == 16, "each message applied once")
            let sent = try await host.query("SELECT message_id FROM exchange_outbox ORDER BY seq")
            let arrived = try await sqlite("SELECT message_id FROM received ORDER BY rowid", on: national)
            #expect(sent == arrived, "first applied in commit order")
            let kinds = try await sqlite("SELECT kind, COUNT(*) FROM received GROUP BY kind ORDER BY kind", on: national)
            #expect(kinds == "matter.status|1\nmatter.submitted|15")
            // The national side gets where a matter stands, never who applied.
            let payloads = try await sqlite("SELECT CAST(payload AS TEXT) FROM received", on: national)
            #expect(payloads.contains("\"business_line\":\"legal-aid\""))
            #expect(!payloads.contains("马小花") && !payloads.contains("11010519491231002X") && !payloads.contains("13951001234"))

            // What monitoring sees: nothing pending, each delivery by outcome.
            let metricsPort = try #require(platform.ports.metrics)
            let (body, _) = try await URLSession.isolated().data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!)
            let metrics = String(decoding: body, as: UTF8.self)
            func value(_ series: String) -> Double {
                metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
            }
            #expect(value("fawang_exchange_pending") == 0, "\(metrics)")
            // A receipt lost to a timeout under load makes the retry a duplicate: settled all the same.
            let settled = value("fawang_exchange_deliveries_total{outcome=\"accepted\"}") + value("fawang_exchange_deliveries_total{outcome=\"duplicate\"}")
            #expect(settled == 16, "\(metrics)")
            #expect(value("fawang_exchange_deliveries_total{outcome=\"failed\"}") >= 1, "\(metrics)")

            // The day's reconciliation balances.
            let (status, output) = try await runChildProcess(
                ServeProcess.executable, ["exchange", "report"] + host.commandLine + ["--json"])
            #expect(status == 0, "\(output)")
            let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            #expect(report?["enqueued"] as? Int == 16 && report?["acknowledged"] as? Int == 16 && report?["pending"] as? Int == 0)
            #expect(report?["balances"] as? Bool == true)
            #expect((report?["attempts"] as? Int ?? 0) > 16, "the failed attempts are counted")
        }
        standin.kill()
    }

    @Test func anEnvelopeTheNationalSideRefusesIsKeptWithItsReason() async throws {
        let key = try signingKey()
        let national = directory.appendingPathComponent("national.sqlite").path
        // The stand-in trusts another key: every signature fails there.
        let standin = try await NationalStandinProcess(databasePath: national, publicKey: ExchangeSigningKey.generate().publicKey, directory: directory)
        try await TestPlatform.with(extraConfig: Self.config(port: standin.port, keyPath: key.path), plugins: PluginCatalog.all) { platform in
            _ = try await submit(2, port: platform.ports.grpc)
            try await eventually(every: .milliseconds(250), "both are refused") {
                try await counts(host: platform.database, national: national).outbox == ["rejected": 2]
            }
            #expect(try await counts(host: platform.database, national: national).received == 0)
            let (status, output) = try await runChildProcess(ServeProcess.executable, ["exchange", "report"] + platform.database.commandLine)
            #expect(status == 0, "a refused envelope is settled: the report still balances")
            #expect(output.contains("rejected      2"), "\(output)")
            #expect(output.contains("the signature does not verify with the registered key"), "\(output)")
        }
        standin.kill()
    }

    /// Each day's figures go once it has ended: yesterday's on first start (a quiet day, no rows),
    /// then, when the clock passes midnight, the day just ended with what happened in it.
    @Test func eachDaysFiguresGoOnceTheDayHasEnded() async throws {
        let key = try signingKey()
        let national = directory.appendingPathComponent("national.sqlite").path
        let standin = try await NationalStandinProcess(databasePath: national, publicKey: key.publicKey, directory: directory)
        let clock = TestClock(at: beijing(2026, 12, 7, hour: 10))
        try await TestPlatform.with(
            extraConfig: Self.config(port: standin.port, keyPath: key.path, statistics: true), plugins: PluginCatalog.all, clock: clock
        ) { platform in
            func statistics() async throws -> [String] {
                try await sqlite("SELECT CAST(payload AS TEXT) FROM received WHERE kind = 'statistics.daily' ORDER BY rowid", on: national)
                    .split(separator: "\n").map(String.init)
            }
            try await eventually(every: .milliseconds(250), "yesterday's figures arrive") { try await statistics().count == 1 }
            #expect(try await statistics() == ["{\"day\":\"2026-12-06\",\"rows\":[]}"])

            _ = try await submit(3, port: platform.ports.grpc)
            // Midnight passes; the next commit wakes the pusher, which adds the day just ended.
            clock.advance(days: 1)
            _ = try await submit(1, port: platform.ports.grpc)
            try await eventually(every: .milliseconds(250), "the 7th's figures arrive") { try await statistics().count == 2 }
            let item = try #require(try JSONSerialization.jsonObject(with: Data(try await statistics()[1].utf8)) as? [String: Any])
            #expect(item["day"] as? String == "2026-12-07")
            let rows = try #require(item["rows"] as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows.first?["region_code"] as? String == "640104" && rows.first?["business_line"] as? String == "legal-aid")
            #expect(rows.first?["received"] as? Int == 3)
            #expect(try await platform.query("SELECT COUNT(*) FROM exchange_statistics_days") == "2")
        }
        standin.kill()
    }

    /// Over TLS, trusting the configured authority, with this platform's client certificate.
    @Test func deliveriesGoOverTLSWhenConfigured() async throws {
        let key = try signingKey()
        let certificates = try TestCertificates(in: directory)
        let national = directory.appendingPathComponent("national.sqlite").path
        let standin = try await NationalStandinProcess(
            databasePath: national, publicKey: key.publicKey, tls: (certificates.serverCertificate, certificates.serverKey), directory: directory)
        let tls = """

              tls:
                ca_file: \(certificates.caCertificate)
                certificate_chain: \(certificates.clientCertificate)
                private_key: \(certificates.clientKey)
            """
        try await TestPlatform.with(extraConfig: Self.config(port: standin.port, keyPath: key.path) + tls, plugins: PluginCatalog.all) { platform in
            _ = try await submit(2, port: platform.ports.grpc)
            try await eventually(every: .milliseconds(250), "both arrive over TLS") {
                try await counts(host: platform.database, national: national).outbox == ["acknowledged": 2]
            }
        }
        // The same endpoint refuses a plaintext host: nothing is settled.
        try await TestPlatform.with(extraConfig: Self.config(port: standin.port, keyPath: key.path), plugins: PluginCatalog.all) { platform in
            _ = try await submit(1, port: platform.ports.grpc)
            try await eventually(every: .milliseconds(250), "the plaintext delivery fails and is put off") {
                Int(try await platform.query("SELECT COUNT(*) FROM exchange_outbox WHERE state = 'pending' AND attempts > 0")) == 1
            }
        }
        standin.kill()
    }

    /// `kill -9` of the host while it pushes: an envelope the national side recorded but whose
    /// receipt the host never settled is sent again on restart and answered as a duplicate.
    @Test func aHostKilledMidPushSendsTheRestOnceInEffect() async throws {
        let key = try signingKey()
        let national = directory.appendingPathComponent("national.sqlite").path
        let standin = try await NationalStandinProcess(databasePath: national, publicKey: key.publicKey, directory: directory)
        let configPath = directory.appendingPathComponent("fawang.yaml").path
        let host = try await TestDatabase.make(in: directory)
        try TestPlatform.configYAML(
            directory: directory, extra: Self.config(port: standin.port, keyPath: key.path) + "\n" + TestPlatform.unlimitedRates, postgresURL: host.postgresURL
        ).write(toFile: configPath, atomically: true, encoding: .utf8)
        var serve = try await ServeProcess(configPath: configPath, directory: directory)
        // Submitted in parallel so that the pusher is busy when the host dies.
        let port = serve.grpcPort
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await self.submit(10, port: port) } }
            try await group.waitForAll()
        }
        serve.signal(SIGKILL)
        _ = try await serve.waitForExit()
        let before = try await counts(host: host, national: national)
        #expect(before.outbox.values.reduce(0, +) == 40, "every acknowledged submission's item is in the outbox")

        serve = try await ServeProcess(configPath: configPath, directory: directory)
        try await eventually(timeout: .seconds(60), every: .milliseconds(250), "everything is delivered after the restart") {
            try await counts(host: host, national: national).outbox == ["acknowledged": 40]
        }
        let after = try await counts(host: host, national: national)
        #expect(after.received == 40 && after.accepted == 40, "each of the 40 applied once: \(after)")
        let duplicates = Int(try await host.query("SELECT COUNT(*) FROM exchange_outbox WHERE disposition = 'duplicate'")) ?? -1
        let answeredTwice = Int(try await sqlite("SELECT COUNT(*) FROM deliveries WHERE disposition = 'duplicate'", on: national)) ?? -2
        #expect(duplicates == answeredTwice, "a resend the national side had already is settled as a duplicate")
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit() == 0)
        standin.kill()
        await host.drop()
    }

    /// One line of the stand-in's referrals file.
    static func referral(_ sequence: Int, id: String, application: [String: Any], badSignature: Bool = false) throws -> String {
        var line: [String: Any] = [
            "sequence": sequence, "message_id": id, "destination": "640000", "payload": ["application": application, "note": "来电人要求申请法律援助"],
        ]
        if badSignature { line["bad_signature"] = true }
        return String(decoding: try JSONSerialization.data(withJSONObject: line), as: UTF8.self)
    }

    /// A legal-aid application as the national side writes it: proto3 JSON with its `@type`.
    static func legalAidApplication(phone: String = "13951001234") throws -> [String: Any] {
        var application = LegalAidSamples.application(phone: phone)
        application.context = .init()
        var object = try #require(try JSONSerialization.jsonObject(with: try application.jsonUTF8Data()) as? [String: Any])
        object["@type"] = "type.googleapis.com/fawang.legalaid.v1.SubmitApplicationRequest"
        return object
    }

    /// Referrals from the national platform become matters of their line (channel `api`), each
    /// message id once, even when the same one is offered twice and the host is `kill -9`'d while
    /// it takes them; those it cannot take are refused with the reason; every answer goes back
    /// through the outbox, signed.
    @Test func referralsBecomeMattersOnceThroughAHostKill() async throws {
        let key = try signingKey()
        let nationalKey = ExchangeSigningKey.generate()
        let nationalKeyFile = directory.appendingPathComponent("national.key").path
        #expect(FileManager.default.createFile(atPath: nationalKeyFile, contents: Data(nationalKey.fileLine.utf8), attributes: [.posixPermissions: 0o600]))
        let valid = 120
        var lines: [String] = []
        var ids: [String] = []
        for sequence in 1...valid {
            let id = "ref-\(sequence)-\(UUID().uuidString.prefix(8))"
            ids.append(id)
            lines.append(try Self.referral(sequence, id: id, application: try Self.legalAidApplication()))
        }
        // Offered again later (the national side's own retry): taken once.
        lines.append(try Self.referral(valid + 1, id: ids[0], application: try Self.legalAidApplication()))
        // Four it cannot take: a bad phone, a forged signature, an unknown application, a line switched off here.
        lines.append(try Self.referral(valid + 2, id: "ref-bad-phone", application: try Self.legalAidApplication(phone: "123")))
        lines.append(try Self.referral(valid + 3, id: "ref-forged", application: try Self.legalAidApplication(), badSignature: true))
        lines.append(try Self.referral(valid + 4, id: "ref-unknown", application: ["@type": "type.googleapis.com/fawang.nothing.v1.Whatever"]))
        lines.append(try Self.referral(
            valid + 5, id: "ref-switched-off", application: ["@type": "type.googleapis.com/fawang.suggestion.v1.SubmitSuggestionRequest"]))
        let referralsFile = directory.appendingPathComponent("referrals.jsonl").path
        try lines.joined(separator: "\n").write(toFile: referralsFile, atomically: true, encoding: .utf8)

        let national = directory.appendingPathComponent("national.sqlite").path
        let standin = try await NationalStandinProcess(
            databasePath: national, publicKey: key.publicKey, referrals: (nationalKeyFile, referralsFile), directory: directory)
        let configPath = directory.appendingPathComponent("fawang.yaml").path
        let extra = Self.config(port: standin.port, keyPath: key.path) + """

              referrals: true
              national_public_key: \(nationalKey.publicKey)
              referral_poll_seconds: 1
            modules:
              suggestions:
                enabled: false
            """
        let host = try await TestDatabase.make(in: directory)
        try TestPlatform.configYAML(directory: directory, extra: extra, postgresURL: host.postgresURL).write(toFile: configPath, atomically: true, encoding: .utf8)
        var serve = try await ServeProcess(configPath: configPath, directory: directory)
        func inbox() async throws -> Int { Int(try await host.query("SELECT COUNT(*) FROM exchange_inbox")) ?? -1 }
        try await eventually(every: .milliseconds(20), "the host starts taking referrals") { try await inbox() > 0 }
        serve.signal(SIGKILL)
        _ = try await serve.waitForExit()
        let before = try await inbox()

        serve = try await ServeProcess(configPath: configPath, directory: directory)
        try await eventually(timeout: .seconds(60), every: .milliseconds(250), "every referral is taken or refused after the restart") {
            try await inbox() == valid + 4
        }
        try await eventually(timeout: .seconds(60), every: .milliseconds(250), "every answer reaches the national platform") {
            try await counts(host: host, national: national).outbox == ["acknowledged": valid + 4]
        }
        // Once each: one matter per referral, filed by the national exchange's account, channel api.
        #expect(try await host.query("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM matters WHERE channel = 'api'") == "\(valid)|\(valid)")
        #expect(try await host.query("SELECT COUNT(*) FROM matters") == "\(valid)", "killed after \(before) referrals: nothing half-taken")
        #expect(try await host.query("SELECT COUNT(*) FROM matter_events WHERE kind = 'referred' AND actor = 'national-exchange'") == "\(valid)")
        #expect(try await host.query("SELECT COUNT(*) FROM exchange_inbox WHERE state = 'accepted' AND tracking_number <> ''") == "\(valid)")
        let refusals = try await host.query("SELECT message_id || ': ' || reason FROM exchange_inbox WHERE state = 'rejected' ORDER BY message_id")
        #expect(refusals.contains("ref-bad-phone: 请求内容有误"), "\(refusals)")
        #expect(refusals.contains("ref-forged: 签名无法用全国平台登记的公钥"), "\(refusals)")
        #expect(refusals.contains("ref-switched-off: 本平台「suggestions」业务未开通"), "\(refusals)")
        #expect(refusals.contains("ref-unknown: fawang.nothing.v1.Whatever 不是本平台可受理的申请"), "\(refusals)")

        // The national side hears of each: the new matter names its referral, a refusal says why.
        let submitted = try await sqlite(
            "SELECT json_extract(CAST(payload AS TEXT), '$.referral_id') FROM received WHERE kind = 'matter.submitted' ORDER BY 1", on: national)
        #expect(submitted.split(separator: "\n").map(String.init) == ids.sorted(), "each referral answered by its one matter")
        #expect(try await sqlite("SELECT COUNT(*) FROM received WHERE json_extract(CAST(payload AS TEXT), '$.channel') = 'api'", on: national) == "\(valid)")
        let rejected = try await sqlite(
            "SELECT CAST(payload AS TEXT) FROM received WHERE kind = 'referral.rejected' AND json_extract(CAST(payload AS TEXT), '$.referral_id') = 'ref-bad-phone'",
            on: national)
        #expect(rejected.contains("\"field\":\"application.applicant.phone\""), "\(rejected)")
        #expect(try await sqlite("SELECT COUNT(*) FROM received WHERE kind = 'referral.rejected'", on: national) == "4")
        #expect(try await sqlite("SELECT COUNT(*) FROM deliveries WHERE disposition = 'rejected'", on: national) == "0", "every answer's signature verifies")

        // Each taking and refusing is in the audit trail, which still verifies; the day's report counts them.
        #expect(try await host.query("SELECT COUNT(*) FROM audit_log WHERE target LIKE 'referral:%'") == "\(valid + 4)")
        let verified = try await runChildProcess(ServeProcess.executable, ["audit", "verify", "--config", configPath])
        #expect(verified.status == 0, "\(verified.output)")
        let (status, output) = try await runChildProcess(ServeProcess.executable, ["exchange", "report"] + host.commandLine + ["--json"])
        #expect(status == 0, "\(output)")
        let report = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        #expect(report?["referrals_taken"] as? Int == valid && report?["referrals_refused"] as? Int == 4, "\(output)")
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit() == 0)
        standin.kill()
        await host.drop()
    }
}
