import CourtFeesContract
import FawangPluginSDK
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf
import Testing

/// The built `fawang-court-fees` process, served on a Unix socket as the host starts it
/// (FAWANG_PLUGIN_LISTEN), and called as the host calls it: the handshake, a direct call with the
/// verified caller in its metadata, and the call stream. The platform's own tests
/// (Tests/FawangHostTests/ExternalPluginTests.swift) call it through a real host.
@Suite struct ProcessTests {
    typealias Fees = Fawang_Courtfees_V1_CourtFeeService

    @Test("The handshake declares the module, the contract version and a policy for every method")
    func handshake() async throws {
        try await withPlugin { client in
            let answer = try await Fawang_Plugin_V1_ExternalPlugin.Client(wrapping: client).handshake(.with {
                $0.contractVersion = ExternalPluginContract.version
            })
            #expect(answer.id == "court-fees" && answer.nameZh == "诉讼费测算" && answer.version == "1.0.0")
            #expect(answer.contractVersion == ExternalPluginContract.version)
            let methods = Dictionary(uniqueKeysWithValues: answer.methods.map { ($0.method, $0) })
            #expect(Set(methods.keys) == Set(Fees.Method.descriptors.map(\.fullyQualifiedMethod)))
            #expect(methods[Fees.Method.Calculate.descriptor.fullyQualifiedMethod]?.policy.anyone == true)
            #expect(methods[Fees.Method.Calculate.descriptor.fullyQualifiedMethod]?.rateLimited == true)
            #expect(methods[Fees.Method.GetSchedule.descriptor.fullyQualifiedMethod]?.rateLimited == false)
            #expect(methods[Fees.Method.IssueFeeSlip.descriptor.fullyQualifiedMethod]?.policy.roles.roles.contains(.staff) == true)
            #expect(methods[Fees.Method.IssueFeeSlip.descriptor.fullyQualifiedMethod]?.policy.roles.roles.contains(.citizen) == false)
            // Its own .proto files travel with it: the host's reflection describes them.
            let files = try answer.fileDescriptorProto.map { try Google_Protobuf_FileDescriptorProto(serializedBytes: $0) }
            #expect(files.map(\.name) == ["fawang/courtfees/v1/court_fees.proto"])
            #expect(answer.multiplexed)
        }
    }

    @Test("A direct call: the fee, and a bad amount refused with its field")
    func directCall() async throws {
        try await withPlugin { client in
            let fees = Fees.Client(wrapping: client)
            let fee = try await fees.calculate(.with { $0.amountFen = 100_000_000 })
            #expect(fee.feeFen == 1_380_000 && fee.feeYuan == "13,800.00")
            let refusal = await #expect(throws: RPCError.self) { try await fees.calculate(.with { $0.amountFen = -1 }) }
            #expect(refusal?.code == .invalidArgument && refusal?.message.hasPrefix("amount_fen:") == true)
        }
    }

    @Test("A fee slip needs a signed-in clerk, and a host to keep it")
    func feeSlip() async throws {
        try await withPlugin { client in
            let fees = Fees.Client(wrapping: client)
            let request = Fawang_Courtfees_V1_IssueFeeSlipRequest.with {
                $0.amountFen = 2_000_000
                $0.caseSummary = "买卖合同纠纷"
            }
            // No verified caller: a plugin reached other than through the host.
            let anonymous = await #expect(throws: RPCError.self) { try await fees.issueFeeSlip(request) }
            #expect(anonymous?.code == .unauthenticated)
            // The caller as the host sends it, but no host API: this process was started by hand.
            var metadata = Metadata()
            metadata.addBinary(try Self.clerk.serializedBytes() as [UInt8], forKey: ExternalPluginContract.callerKey)
            let orphan = await #expect(throws: RPCError.self) { try await fees.issueFeeSlip(request, metadata: metadata) }
            #expect(orphan?.code == .failedPrecondition && orphan?.message.contains("未由平台启动") == true)
            // A summary over 200 characters is refused before anything is kept.
            var long = request
            long.caseSummary = String(repeating: "案", count: 201)
            let tooLong = await #expect(throws: RPCError.self) { try await fees.issueFeeSlip(long, metadata: metadata) }
            #expect(tooLong?.code == .invalidArgument && tooLong?.message.hasPrefix("case_summary:") == true)
        }
    }

    @Test("The call stream: calls answered by id, refusals as status codes")
    func callStream() async throws {
        try await withPlugin { client in
            let frames: [Fawang_Plugin_V1_CallFrame] = try [
                .with {
                    $0.id = 7
                    $0.method = Fees.Method.Calculate.descriptor.fullyQualifiedMethod
                    $0.message = try Fawang_Courtfees_V1_CalculateRequest.with { $0.amountFen = 100_000_000; $0.summaryProcedure = true }.serializedData()
                    $0.timeoutMs = 5_000
                },
                .with {
                    $0.id = 8
                    $0.method = Fees.Method.Calculate.descriptor.fullyQualifiedMethod
                    $0.message = try Fawang_Courtfees_V1_CalculateRequest.with { $0.amountFen = 0 }.serializedData()
                },
                .with {
                    $0.id = 9
                    $0.method = "fawang.courtfees.v1.CourtFeeService/Refund"
                },
            ]
            let replies = try await Fawang_Plugin_V1_ExternalPlugin.Client(wrapping: client).calls(
                request: StreamingClientRequest(of: Fawang_Plugin_V1_CallFrame.self) { writer in try await writer.write(contentsOf: frames) }
            ) { response in
                var replies: [UInt64: Fawang_Plugin_V1_ReplyFrame] = [:]
                for try await reply in response.messages { replies[reply.id] = reply }
                return replies
            }
            #expect(replies.count == 3)
            let fee = try Fawang_Courtfees_V1_CalculateResponse(serializedBytes: try #require(replies[7]).message)
            #expect(replies[7]?.code == 0 && fee.feeFen == 690_000 && fee.halved)
            #expect(replies[8]?.code == Int32(RPCError.Code.invalidArgument.rawValue))
            #expect(replies[9]?.code == Int32(RPCError.Code.unimplemented.rawValue))
        }
    }

    @Test("SIGTERM: it stops serving and exits cleanly")
    func terminate() async throws {
        let plugin = try PluginProcess()
        defer { plugin.stop() }
        try await plugin.waitUntilListening()
        plugin.process.terminate()
        plugin.process.waitUntilExit()
        #expect(plugin.process.terminationStatus == 0)
    }

    static let clerk = Fawang_Plugin_V1_Caller.with {
        $0.principal = .with {
            $0.accountID = "staff-1"
            $0.displayName = "王书记员"
            $0.role = .staff
            $0.regionCode = "640100"
        }
        $0.channel = "walk_in"
    }

    /// Starts the plugin, gives `body` a client on its socket, stops it.
    func withPlugin(_ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void) async throws {
        let plugin = try PluginProcess()
        defer { plugin.stop() }
        try await plugin.waitUntilListening()
        try await withGRPCClient(transport: .http2NIOPosix(target: .unixDomainSocket(path: plugin.socket), transportSecurity: .plaintext)) {
            try await body($0)
        }
    }
}

/// `fawang-court-fees`, built beside this test bundle, serving on a socket in a folder of its own.
final class PluginProcess {
    let process = Process()
    let folder: URL
    var socket: String { folder.appendingPathComponent("court-fees.sock").path }

    init() throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bin, bin.deletingLastPathComponent()].map { $0.appendingPathComponent("fawang-court-fees") }
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw RPCError(code: .failedPrecondition, message: "fawang-court-fees is not built beside the tests (\(bin.path)): run `swift build --build-tests`")
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("court-fees-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        process.executableURL = executable
        var environment = ProcessInfo.processInfo.environment
        environment[ExternalPluginContract.listenVariable] = "unix:" + folder.appendingPathComponent("court-fees.sock").path
        environment[ExternalPluginContract.hostVariable] = nil
        process.environment = environment
        try process.run()
    }

    /// Until its socket accepts (at most 30 s: a cold start on a loaded machine).
    func waitUntilListening() async throws {
        for _ in 0..<300 {
            if FileManager.default.fileExists(atPath: socket) { return }
            guard process.isRunning else { throw RPCError(code: .unavailable, message: "fawang-court-fees exited: \(process.terminationStatus)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RPCError(code: .deadlineExceeded, message: "fawang-court-fees did not listen on \(socket) within 30 s")
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: folder)
    }
}
