import FawangCatalog
import FawangCore
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// `environment: production`: no demo data is ever seeded, and a database that holds the demo
/// accounts (published password) is refused with the way to remove them.
@Suite(.serialized) struct ProductionSafetyTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-production-\(UUID().uuidString)")
    var configPath: String { directory.appendingPathComponent("fawang.yaml").path }
    var database: String { directory.appendingPathComponent("fawang.sqlite").path }

    func writeConfig(_ extra: String = "") throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try TestPlatform.configYAML(directory: directory, extra: extra).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func run(_ body: (Int) async throws -> Void = { _ in }) async throws {
        try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { ports in try await body(ports.grpc) }
    }

    func accountCount() async throws -> String {
        try await runChildProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-cmd", ".timeout 10000", database, "SELECT COUNT(*) FROM accounts"]).1
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func demoAccountsAreRefusedInProductionWithTheWayToRemoveThem() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try writeConfig()
        try await run()  // development: the demo accounts are seeded
        #expect(try await accountCount() != "0")

        try writeConfig("environment: production\n")
        var message = ""
        do {
            try await run()
            Issue.record("a production host started with the demo accounts present")
        } catch let error as FawangError {
            #expect(error.code == .failedPrecondition)
            message = error.message
        }
        for text in ["environment: production", "Fawang@2026", "admin", "staff-640100-reviewer", database, "DELETE FROM accounts"] {
            #expect(message.contains(text), "\(message)")
        }
        // The SQL the message gives removes them, and the host then starts.
        let sql = try #require(message.firstMatch(of: /"(DELETE FROM refresh_tokens[^"]*)"/)?.1)
        let (status, output) = try await runChildProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-cmd", ".timeout 10000", database, String(sql)])
        #expect(status == 0, "\(output)")
        #expect(try await accountCount() == "0")
        try await run { port in
            try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
                await expectStatus(.unauthenticated) {
                    _ = try await Fawang_Identity_V1_IdentityService.Client(wrapping: client).login(.with {
                        $0.login = "admin"
                        $0.password = "Fawang@2026"
                    })
                }
            }
        }
    }

    @Test func aFreshProductionDatabaseGetsNoDemoData() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try writeConfig("environment: production\n")
        try await run()
        let accounts = try await accountCount()
        #expect(accounts == "0", "\(accounts)")
        let divisions = try await runChildProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-cmd", ".timeout 10000", database, "SELECT COUNT(*) FROM divisions"]).1
        #expect(divisions.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}
