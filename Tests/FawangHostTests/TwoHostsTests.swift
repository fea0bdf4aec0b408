import FawangCatalog
import FawangCore
import FawangPostgres
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import SwiftProtobuf
import Testing

/// Two `fawang serve` processes on one PostgreSQL database (`storage.engine: postgres`), as a
/// province runs them behind a load balancer: submissions spread over both, one host killed with
/// `kill -9` mid-run. Every acknowledged submission is there once, the other host keeps serving,
/// overdue matters are escalated once, and the audit trail is one chain.
@Suite struct TwoHostsTests {
    @Test func twoHostsOnOnePostgreSQLLoseNothingWhenOneIsKilled() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-two-hosts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try await PostgresTestCluster.freshDatabase()
        // One data folder for both: the same data, token and audit keys.
        let configPath = directory.appendingPathComponent("fawang.yaml").path
        try TestPlatform.configYAML(
            directory: directory,
            extra: "storage.engine: postgres\nstorage.postgres.url: \(url)\nstorage.postgres.connections: 8\n" + TestPlatform.unlimitedRates,
            sampleMatters: true
        ).write(toFile: configPath, atomically: true, encoding: .utf8)
        // The first seeds the demo data; the second starts on it.
        var first = try await ServeProcess(configPath: configPath, directory: directory)
        let second = try await ServeProcess(configPath: configPath, directory: directory)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("fawang.sqlite").path), "no SQLite file: the hosts run on PostgreSQL")

        /// Submits on `port` until told to stop or the host is gone; the tracking numbers acknowledged.
        @Sendable func submit(_ count: Int, port: Int, prefix: String) async -> [String] {
            var acknowledged: [String] = []
            do {
                try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
                    let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                    for index in 0..<count {
                        do {
                            let reply = try await legalAid.submitApplication(LegalAidSamples.application(requestID: "\(prefix)-\(index)"))
                            acknowledged.append(reply.matter.trackingNumber.filter(\.isNumber))
                        } catch {
                            return  // the host is gone: what it acknowledged is what counts
                        }
                    }
                }
            } catch {}
            return acknowledged
        }
        let (firstPort, secondPort) = (first.grpcPort, second.grpcPort)
        let doomed = first
        let killer = Task {
            try await Task.sleep(for: .milliseconds(700))
            doomed.signal(SIGKILL)
        }
        let acknowledged = await withTaskGroup(of: [String].self) { group in
            for lane in 0..<3 {
                group.addTask { await submit(40, port: firstPort, prefix: "a\(lane)") }
                group.addTask { await submit(40, port: secondPort, prefix: "b\(lane)") }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        try await killer.value
        _ = try await first.waitForExit()
        #expect(acknowledged.count >= 120, "the surviving host took all of its own, the killed one some: \(acknowledged.count)")

        // Every acknowledged submission is there, once.
        let rows = try await PostgresTestCluster.psql(
            "SELECT tracking_number FROM matters WHERE request_id ~ '^[ab][0-9]-' ORDER BY tracking_number", on: url)
        #expect(Set(rows.split(separator: "\n").map(String.init)).isSuperset(of: acknowledged), "every acknowledged submission is stored")
        #expect(try await PostgresTestCluster.psql(
            "SELECT COUNT(*) - COUNT(DISTINCT request_id) FROM matters WHERE request_id ~ '^[ab][0-9]-'", on: url) == "0")

        // The other host keeps serving: it reads what the dead one acknowledged.
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: secondPort), transportSecurity: .plaintext)) { client in
            let matters = Fawang_Matter_V1_MatterService.Client(wrapping: client)
            for number in acknowledged.prefix(5) + acknowledged.suffix(5) {
                let report = try await matters.queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
                #expect(report.trackingNumber.filter(\.isNumber) == number)
            }
        }

        // A restarted host joins again; overdue matters were escalated once, by whichever host.
        first = try await ServeProcess(configPath: configPath, directory: directory)
        let escalations = try await PostgresTestCluster.psql(
            "SELECT COUNT(*), COUNT(DISTINCT matter_id || attributes_json) FROM matter_events WHERE kind = 'escalated'", on: url)
        let parts = escalations.split(separator: "|").map(String.init)
        #expect(parts.count == 2 && parts[0] == parts[1] && parts[0] != "0", "escalated once each: \(escalations)")

        // One audit chain, whichever host wrote each entry.
        let cipher = try PersonalDataCipher(keyList: String(contentsOfFile: directory.appendingPathComponent("fawang.keys").path, encoding: .utf8))
        let storage = PostgresStorage(settings: try PostgresEngine.Settings(url: url, connections: 1), cipher: cipher, logger: Logger(label: "test"))
        let trail = try await storage.audit.verify(expectedHead: nil) { _ in }
        await storage.close()
        #expect(trail.problem == nil && trail.count > Int64(acknowledged.count), "\(trail)")

        for host in [first, second] {
            host.signal(SIGTERM)
            #expect(try await host.waitForExit() == 0)
        }
    }

    /// The national exchange runs on one host of the database at a time (a lease): while both run,
    /// every envelope is delivered once; when the host running it is killed, the other takes over
    /// and delivers the rest.
    @Test func theExchangeRunsOnOneHostAndMovesWhenItDies() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-two-hosts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = ExchangeSigningKey.generate()
        let keyPath = directory.appendingPathComponent("exchange.key").path
        #expect(FileManager.default.createFile(atPath: keyPath, contents: Data((key.fileLine + "\n").utf8), attributes: [.posixPermissions: 0o600]))
        let national = directory.appendingPathComponent("national.sqlite").path
        let standin = try await NationalStandinProcess(databasePath: national, publicKey: key.publicKey, directory: directory)
        let url = try await PostgresTestCluster.freshDatabase()
        let configPath = directory.appendingPathComponent("fawang.yaml").path
        try TestPlatform.configYAML(
            directory: directory,
            extra: "storage.engine: postgres\nstorage.postgres.url: \(url)\n" + TestPlatform.unlimitedRates + ExchangeTests.config(port: standin.port, keyPath: keyPath)
        ).write(toFile: configPath, atomically: true, encoding: .utf8)
        func received() async throws -> Int { Int(try await sqlite("SELECT COUNT(*) FROM received", on: national)) ?? -1 }
        func submit(_ count: Int, port: Int) async throws {
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
                let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                for _ in 0..<count { _ = try await legalAid.submitApplication(LegalAidSamples.application()) }
            }
        }
        // The first host takes the lease; the second stands by.
        let first = try await ServeProcess(configPath: configPath, directory: directory)
        try await submit(5, port: first.grpcPort)
        try await eventually(timeout: .seconds(60), every: .milliseconds(250), "the first host delivers") { try await received() == 5 }
        let second = try await ServeProcess(configPath: configPath, directory: directory)
        try await submit(10, port: second.grpcPort)
        try await eventually(timeout: .seconds(60), every: .milliseconds(250), "what the second host took is delivered") { try await received() == 15 }
        #expect(try await sqlite("SELECT COUNT(*) FROM deliveries", on: national) == "15", "one pusher: each envelope delivered once")
        let tookOver = ContinuousClock.now

        first.signal(SIGKILL)
        _ = try await first.waitForExit()
        try await submit(10, port: second.grpcPort)
        try await eventually(timeout: .seconds(60), every: .milliseconds(250), "the second host takes over") { try await received() == 25 }
        #expect(ContinuousClock.now - tookOver < .seconds(30), "taken over within the lease's retry, not a minute's wait")
        #expect(try await PostgresTestCluster.psql("SELECT state, COUNT(*) FROM exchange_outbox GROUP BY state", on: url) == "acknowledged|25")
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
        standin.kill()
    }
}

