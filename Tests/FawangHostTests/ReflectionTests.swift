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

/// gRPC server reflection (`grpc.reflection`): what generic clients learn of the contract, and who
/// they may be.
@Suite struct ReflectionTests {
    /// Every service in the contract that the host serves on its port: all but the national
    /// platform's side of the exchange (which the host calls) and the external plugins' contract
    /// (the handshake it calls, the host API it serves each plugin on a socket of its own).
    static let servedServices = ProtoSchema.current.services.map(\.fullName)
        .filter { !$0.hasPrefix("national.") && !$0.hasPrefix("fawang.plugin.") }.sorted()

    /// A client without our `.proto` files (grpcio-reflection's own, and stubs of the standard
    /// reflection.proto) lists exactly the served services, resolves every method and calls two.
    @Test func aGenericClientLearnsTheContractAndCallsWithIt() async throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/reflection_client.py")
        #expect(Self.servedServices.contains("grpc.reflection.v1.ServerReflection"))
        #expect(Self.servedServices.contains("fawang.legalaid.v1.LegalAidService"))
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let (status, text) = try await runChildProcess(URL(fileURLWithPath: "/usr/bin/env"), [
                "python3", script.path, "--server", "127.0.0.1:\(platform.ports.grpc)",
                "--expect-services", Self.servedServices.joined(separator: ","),
            ])
            #expect(status == 0, "\(text)")
            #expect(text.contains("checks passed"), "\(text)")
        }
    }

    /// By default only callers on the host's machine are answered; `everyone` answers a caller
    /// from another address; `off` serves nothing.
    @Test(arguments: ["loopback", "everyone", "off"])
    func whoIsAnswered(setting: String) async throws {
        // A caller from an address that is not loopback: this machine's own network address,
        // with the host listening on every interface.
        let external = try #require(
            Host.current().addresses.first { !$0.contains(":") && !$0.hasPrefix("127.") },
            "the test needs a non-loopback IPv4 address on this machine")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-reflection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = try await TestDatabase.make(in: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configPath = directory.appendingPathComponent("fawang.yaml").path
        try TestPlatform.configYAML(
            directory: directory, extra: "grpc.reflection: \(setting)\n", postgresURL: database.postgresURL, grpcHost: "0.0.0.0"
        ).write(toFile: configPath, atomically: true, encoding: .utf8)

        try await withRunningHost(configPath: configPath, plugins: PluginCatalog.all) { ports in
            let local = try await Self.listServices(at: "127.0.0.1", port: ports.grpc)
            let remote = try await Self.listServices(at: external, port: ports.grpc)
            switch setting {
            case "loopback":
                #expect(try local.get() == Self.servedServices)
                let refused = try #require(remote.failure)
                #expect(refused.code == .permissionDenied, "\(refused)")
                #expect(refused.message.contains("grpc.reflection: everyone"), "the refusal says how to open it: \(refused.message)")
            case "everyone":
                #expect(try local.get() == Self.servedServices)
                #expect(try remote.get() == Self.servedServices)
            default:
                #expect(local.failure?.code == .unimplemented, "\(local)")
                #expect(remote.failure?.code == .unimplemented, "\(remote)")
            }
            // Health knows the service exactly when it is served.
            let health = try await withGRPCClient(
                transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: ports.grpc), transportSecurity: .plaintext)
            ) { client in
                try await Grpc_Health_V1_Health.Client(wrapping: client).list(.init()).statuses
            }
            #expect((health["grpc.reflection.v1.ServerReflection"] != nil) == (setting != "off"))
        }
        await database.drop()
    }

    /// `list_services` over v1 from `address`: the names, or the call's error.
    static func listServices(at address: String, port: Int) async throws -> Result<[String], RPCError> {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: address, port: port), transportSecurity: .plaintext)
        ) { client in
            do {
                let names = try await Grpc_Reflection_V1_ServerReflection.Client(wrapping: client).serverReflectionInfo(
                    requestProducer: { writer in try await writer.write(.with { $0.listServices = "" }) }
                ) { response in
                    var names: [String] = []
                    for try await message in response.messages { names += message.listServicesResponse.service.map(\.name) }
                    return names
                }
                return .success(names)
            } catch let error as RPCError {
                return .failure(error)
            }
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
