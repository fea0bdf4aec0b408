import CourtFeesContract
import FawangCatalog
import FawangCore
@testable import FawangHost
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Plugins in processes of their own (`modules.<id>.external`), over real processes: the example
/// `fawang-court-fees` (Swift, on FawangPluginSDK) and a Python grpcio plugin, started and
/// supervised by the host, reached only through the host's port.
@Suite struct ExternalPluginTests {
    typealias Fees = Fawang_Courtfees_V1_CourtFeeService

    /// The example plugin is a package of its own (Plugins/CourtFees): `swift build --build-tests`
    /// does not build its program, `swift build --product fawang-court-fees` does (scripts/test.sh).
    static var courtFees: String {
        let path = ServeProcess.executable.deletingLastPathComponent().appendingPathComponent("fawang-court-fees").path
        if !FileManager.default.isExecutableFile(atPath: path) {
            Issue.record("\(path) is not built: run `swift build --product fawang-court-fees` (scripts/test.sh does)")
        }
        return path
    }
    static var pythonPlugin: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("python/external_plugin.py").path
    }

    /// A client on a socket of the host's plugin folder: `court-fees.sock`, the plugin's own, or
    /// `court-fees.host.sock`, the host API the host serves it.
    static func onSocket(_ name: String, of platform: TestPlatform, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void) async throws {
        let socket = platform.directory.appendingPathComponent("plugins").appendingPathComponent(name).path
        try await withGRPCClient(transport: .http2NIOPosix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)) { try await body($0) }
    }

    static func config(deadlineMilliseconds: Int = 5000) -> String {
        """
        modules.court-fees.external.command: \(courtFees)
        modules.court-fees.external.deadline_ms: \(deadlineMilliseconds)
        \(TestPlatform.unlimitedRates)
        """
    }

    /// 《诉讼费用交纳办法》第十三条 through the host: the fee of a claim, the bands, the summary
    /// procedure's half (第十六条); the access answers of the handshake's policies, the verified
    /// caller and nothing a caller forges; health, reflection and the module switch.
    @Test func theExamplePluginServesThroughTheHostLikeABuiltInOne() async throws {
        try await TestPlatform.with(extraConfig: Self.config(), plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let fees = Fees.Client(wrapping: client)
                // 1,000,000 元: 50 + 2,250 + 2,000 + 4,500 + 5,000.
                let million = try await fees.calculate(.with { $0.amountFen = 100_000_000 })
                #expect(million.feeFen == 1_380_000 && million.feeYuan == "13,800.00", "\(million)")
                #expect(million.bands.map(\.feeFen) == [5_000, 225_000, 200_000, 450_000, 500_000])
                #expect(million.article.contains("第十三条"))
                let halved = try await fees.calculate(.with { $0.amountFen = 100_000_000; $0.summaryProcedure = true })
                #expect(halved.feeFen == 690_000 && halved.halved && halved.article.contains("第十六条"))
                // Up to 10,000 元: 50 元 a case.
                #expect(try await fees.calculate(.with { $0.amountFen = 500_000 }).feeFen == 5_000)
                #expect(try await fees.calculate(.with { $0.amountFen = 1_000_000 }).feeFen == 5_000)
                // 30,000,000 元 reaches the last band: 13,800 + 9,000 + 24,000 + 35,000 + 60,000 + 50,000.
                #expect(try await fees.calculate(.with { $0.amountFen = 3_000_000_000 }).feeFen == 19_180_000)
                #expect(try await fees.getSchedule(.init()).bands.count == 10)

                let refused = try await rpcError { try await fees.calculate(.with { $0.amountFen = 0 }) }
                #expect(refused.code == .invalidArgument && refused.message.contains("amount_fen"), "\(refused)")
                #expect(try await rpcError { try await fees.issueFeeSlip(.with { $0.amountFen = 100 }) }.code == .unauthenticated)
            }
            try await platform.withClient(as: "13951001234") { client in
                let denied = try await rpcError { try await Fees.Client(wrapping: client).issueFeeSlip(.with { $0.amountFen = 100 }) }
                #expect(denied.code == .permissionDenied, "\(denied)")
            }
            try await platform.withClient(as: "staff-640300-reviewer") { client in
                // A caller's own fawang-caller-bin naming someone else never reaches the plugin.
                var forged = Metadata()
                forged.addBinary(try Fawang_Plugin_V1_Caller.with { $0.principal.accountID = "platform-admin" }.serializedBytes(), forKey: "fawang-caller-bin")
                let slip = try await Fees.Client(wrapping: client).issueFeeSlip(
                    .with { $0.amountFen = 100_000_000; $0.caseSummary = "买卖合同纠纷" }, metadata: forged)
                #expect(slip.issuedBy != "platform-admin" && !slip.issuedBy.isEmpty, "\(slip)")
                #expect(slip.regionCode == "640300" && slip.channel == "walk_in" && slip.fee.feeFen == 1_380_000, "\(slip)")
            }
            try await platform.withClient { client in
                let health = try await Grpc_Health_V1_Health.Client(wrapping: client).list(.init()).statuses
                #expect(health["court-fees"]?.status == .serving && health["fawang.courtfees.v1.CourtFeeService"]?.status == .serving)
                let modules = try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init()).modules
                #expect(modules.contains { $0.id == "court-fees" && $0.nameZh == "诉讼费测算" }, "\(modules.map(\.id))")
                let listed = try await ReflectionTests.listServices(at: "127.0.0.1", port: platform.ports.grpc)
                #expect(try listed.get().contains("fawang.courtfees.v1.CourtFeeService"))
            }
            // The module switch applies as to a built-in line.
            try platform.rewriteConfig(extra: Self.config() + "\nmodules.court-fees.enabled: false\n")
            try await eventually("the switch is applied") {
                try await platform.withClient { client in
                    (try? await Fees.Client(wrapping: client).getSchedule(.init())) == nil
                }
            }
            let off = try await platform.withClient { client in try await rpcError { try await Fees.Client(wrapping: client).getSchedule(.init()) } }
            #expect(off.code == .unavailable && off.message.contains("已停用"), "\(off)")
        }
    }

    /// The SDK's end of the call stream the host sends unary calls on (`ExternalPlugin/Calls`):
    /// asked directly on the plugin's socket, each frame is answered by id, refusals with their
    /// status, and the stream ends once the calls sent are answered. Its handshake says so.
    @Test func theSDKServesUnaryCallsOnOneStream() async throws {
        try await TestPlatform.with(extraConfig: Self.config(), plugins: PluginCatalog.all) { platform in
            try await Self.onSocket("court-fees.sock", of: platform) { client in
                let plugin = Fawang_Plugin_V1_ExternalPlugin.Client(wrapping: client)
                #expect(try await plugin.handshake(.with { $0.contractVersion = 1 }).multiplexed)
                let frames: [Fawang_Plugin_V1_CallFrame] = try [
                    .with {
                        $0.id = 7
                        $0.method = "fawang.courtfees.v1.CourtFeeService/Calculate"
                        $0.message = try Fawang_Courtfees_V1_CalculateRequest.with { $0.amountFen = 2_000_000 }.serializedData()
                    },
                    .with {
                        $0.id = 8
                        $0.method = "fawang.courtfees.v1.CourtFeeService/Calculate"
                        $0.message = try Fawang_Courtfees_V1_CalculateRequest.with { $0.amountFen = -1 }.serializedData()
                    },
                    .with {
                        $0.id = 9
                        $0.method = "fawang.courtfees.v1.CourtFeeService/Refund"
                    },
                ]
                let replies = try await plugin.calls(request: StreamingClientRequest { writer in
                    for frame in frames { try await writer.write(frame) }
                }) { response in
                    try await response.messages.reduce(into: [UInt64: Fawang_Plugin_V1_ReplyFrame]()) { $0[$1.id] = $1 }
                }
                #expect(replies.count == 3)
                let fee = try Fawang_Courtfees_V1_CalculateResponse(serializedBytes: replies[7]?.message ?? Data())
                #expect(replies[7]?.code == 0 && fee.feeFen == 5_000 + 25_000)
                #expect(replies[8]?.code == Int32(RPCError.Code.invalidArgument.rawValue) && replies[8]?.errorMessage.isEmpty == false, "\(String(describing: replies[8]))")
                #expect(replies[9]?.code == Int32(RPCError.Code.unimplemented.rawValue), "\(String(describing: replies[9]))")
            }
        }
    }

    /// The HTTP gateway forwards an external plugin's methods in protobuf (Connect and gRPC-Web):
    /// the host has no Swift types for its messages, so JSON is refused with what to use instead.
    @Test func theGatewayForwardsAnExternalPluginInProtobuf() async throws {
        try await TestPlatform.with(extraConfig: Self.config(), plugins: PluginCatalog.all) { platform in
            let port = try #require(platform.ports.http)
            func post(_ body: Data, type: String) async throws -> (Data, Int) {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/fawang.courtfees.v1.CourtFeeService/Calculate")!)
                request.httpMethod = "POST"
                request.setValue(type, forHTTPHeaderField: "Content-Type")
                request.httpBody = body
                let (data, response) = try await URLSession.isolated().data(for: request)
                return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
            }
            let (data, status) = try await post(
                try Fawang_Courtfees_V1_CalculateRequest.with { $0.amountFen = 2_000_000 }.serializedData(), type: "application/proto")
            #expect(status == 200)
            #expect(try Fawang_Courtfees_V1_CalculateResponse(serializedBytes: data).feeFen == 5_000 + 25_000)
            let (refused, refusedStatus) = try await post(Data(#"{"amountFen": 2000000}"#.utf8), type: "application/json")
            #expect(refusedStatus == 415 && String(decoding: refused, as: UTF8.self).contains("application/proto"), "\(String(decoding: refused, as: UTF8.self))")
            // The plugin's own refusal of a bad request comes back as it would over gRPC.
            let (bad, badStatus) = try await post(
                try Fawang_Courtfees_V1_CalculateRequest.with { $0.amountFen = -1 }.serializedData(), type: "application/proto")
            #expect(badStatus == 400 && String(decoding: bad, as: UTF8.self).contains("invalid_argument"), "\(String(decoding: bad, as: UTF8.self))")
        }
    }

    /// `kill -9` of the plugin while calls run: only its calls fail, `UNAVAILABLE`; every other
    /// module keeps answering; the host restarts it and it serves again by itself.
    @Test func aKilledPluginFailsOnlyItsOwnCallsAndComesBack() async throws {
        try await TestPlatform.with(extraConfig: Self.config(), plugins: PluginCatalog.all) { platform in
            let first = try #require(Self.pluginPID(of: platform))
            let outcomes = try await platform.withClient { client in
                try await withThrowingTaskGroup(of: [String].self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            var seen: [String] = []
                            let until = ContinuousClock.now + .seconds(3)
                            while ContinuousClock.now < until {
                                do {
                                    _ = try await Fees.Client(wrapping: client).calculate(.with { $0.amountFen = 2_000_000 })
                                    seen.append("fees ok")
                                } catch let error as RPCError {
                                    seen.append("fees \(error.code)")
                                }
                                do {
                                    _ = try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init())
                                    _ = try await Fawang_Directory_V1_DirectoryService.Client(wrapping: client).listKinds(.init())
                                    seen.append("others ok")
                                } catch {
                                    seen.append("others \(error)")
                                }
                            }
                            return seen
                        }
                    }
                    try await Task.sleep(for: .seconds(1))
                    // Stopped first, so that calls are surely inside the plugin when it dies (on a
                    // loaded machine, a bare kill can fall between calls and the restart be over
                    // before the next one); the calls held there wait, well within the deadline.
                    kill(first, SIGSTOP)
                    try await Task.sleep(for: .milliseconds(500))
                    kill(first, SIGKILL)
                    return try await group.reduce(into: []) { $0 += $1 }
                }
            }
            #expect(outcomes.filter { $0.hasPrefix("others") }.allSatisfy { $0 == "others ok" }, "\(Set(outcomes))")
            #expect(Set(outcomes.filter { $0.hasPrefix("fees") }).isSubset(of: ["fees ok", "fees unavailable"]), "\(Set(outcomes))")
            #expect(outcomes.contains("fees unavailable"), "a call met the plugin down: \(Set(outcomes))")
            try await eventually(timeout: .seconds(30), "the plugin is back") {
                try await platform.withClient { client in
                    (try? await Fees.Client(wrapping: client).calculate(.with { $0.amountFen = 2_000_000 }))?.feeFen == 5_000 + 25_000
                }
            }
            let second = try #require(Self.pluginPID(of: platform))
            #expect(second != first)
            let health = try await platform.withClient { try await Grpc_Health_V1_Health.Client(wrapping: $0).check(.with { $0.service = "court-fees" }) }
            #expect(health.status == .serving)
        }
    }

    /// A plugin that hangs (stopped with SIGSTOP) is cut off at its deadline; the rest answers.
    @Test func aHangingPluginIsCutOffByItsDeadline() async throws {
        try await TestPlatform.with(extraConfig: Self.config(deadlineMilliseconds: 500), plugins: PluginCatalog.all) { platform in
            let pid = try #require(Self.pluginPID(of: platform))
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            try await platform.withClient { client in
                let start = ContinuousClock.now
                let error = try await rpcError { try await Fees.Client(wrapping: client).calculate(.with { $0.amountFen = 100 }) }
                #expect(error.code == .deadlineExceeded && error.message.contains("诉讼费测算"), "\(error)")
                // Unanswered, the call would wait for ever: any bound shows the cut (a loose one,
                // as the suite runs loaded).
                #expect(ContinuousClock.now - start < .seconds(15))
                _ = try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init())
            }
            kill(pid, SIGCONT)
            try await eventually("it answers once it runs again") {
                try await platform.withClient { (try? await Fees.Client(wrapping: $0).calculate(.with { $0.amountFen = 100 })) != nil }
            }
        }
    }

    /// A host whose plugin hangs with its call stream open still shuts down: the stream is cut
    /// after a grace period and the process killed, instead of the shutdown waiting for ever.
    @Test func aHostWithAHungPluginStillShutsDown() async throws {
        var pid: pid_t = 0
        var stopped = ContinuousClock.now
        try await TestPlatform.with(extraConfig: Self.config(), plugins: PluginCatalog.all) { platform in
            pid = try #require(Self.pluginPID(of: platform))
            // A call first, so that the stream is open.
            _ = try await platform.withClient { try await Fees.Client(wrapping: $0).calculate(.with { $0.amountFen = 100 }) }
            kill(pid, SIGSTOP)
            stopped = ContinuousClock.now
        }
        defer { kill(pid, SIGKILL) }
        #expect(ContinuousClock.now - stopped < .seconds(20), "the shutdown took \(ContinuousClock.now - stopped)")
        try await eventually("the hung plugin's process is gone") { kill(pid, 0) != 0 || Self.isZombie(pid) }
    }

    /// A plugin that keeps timing out trips its circuit breaker: after `breaker_failures` calls in
    /// a row, its calls answer `UNAVAILABLE` at once and health reads `NOT_SERVING` (an alert in
    /// the metrics); the hung process does not answer the breaker's probe, so it is killed and
    /// restarted, and serves again by itself.
    @Test func aHungPluginTripsItsBreakerAndIsRestarted() async throws {
        let config = Self.config(deadlineMilliseconds: 2000) + """

            modules.court-fees.external.breaker_failures: 3
            modules.court-fees.external.breaker_open_ms: 500
            """
        try await TestPlatform.with(extraConfig: config, plugins: PluginCatalog.all) { platform in
            let first = try #require(Self.pluginPID(of: platform))
            let before = try await StreamWatcherTests.metrics(platform)
            #expect(before.contains("fawang_external_plugin_up{module=\"court-fees\"} 1"), "\(before)")
            kill(first, SIGSTOP)
            defer { kill(first, SIGCONT) }
            try await platform.withClient { client in
                for _ in 0..<3 {
                    let error = try await rpcError { try await Fees.Client(wrapping: client).calculate(.with { $0.amountFen = 100 }) }
                    #expect(error.code == .deadlineExceeded, "\(error)")
                }
                // Open: refused by the host without waiting for the plugin's deadline (the stopped
                // plugin keeps its connection, so only the breaker answers UNAVAILABLE).
                let start = ContinuousClock.now
                let open = try await rpcError { try await Fees.Client(wrapping: client).calculate(.with { $0.amountFen = 100 }) }
                #expect(open.code == .unavailable && open.message.contains("诉讼费测算"), "\(open)")
                #expect(ContinuousClock.now - start < .seconds(2))
                let modules = try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init()).modules
                let module = try #require(modules.first { $0.id == "court-fees" })
                #expect(module.health == .notServing && module.unavailableReason.contains("熔断"), "\(module)")
                _ = try await Fawang_Directory_V1_DirectoryService.Client(wrapping: client).listKinds(.init())
            }
            let alerting = try await StreamWatcherTests.metrics(platform)
            #expect(alerting.contains("fawang_external_plugin_up{module=\"court-fees\"} 0"), "\(alerting)")
            #expect(alerting.contains("fawang_external_plugin_breaker_opens_total{module=\"court-fees\"} 1"), "\(alerting)")
            try await eventually(timeout: .seconds(30), "the hung plugin is replaced and serves") {
                try await platform.withClient { client in
                    (try? await Fees.Client(wrapping: client).calculate(.with { $0.amountFen = 2_000_000 }))?.feeFen == 5_000 + 25_000
                }
            }
            #expect(Self.pluginPID(of: platform) != first)
            let after = try await StreamWatcherTests.metrics(platform)
            #expect(after.contains("fawang_external_plugin_up{module=\"court-fees\"} 1"), "\(after)")
            #expect(after.contains("fawang_external_plugin_restarts_total{module=\"court-fees\"} 1"), "\(after)")
        }
    }

    /// A rolling update (another `command` in the reloaded config) under load: the new version
    /// starts beside the old, takes the new calls, the old one finishes its calls (each takes
    /// 150 ms, so some are surely in flight) and stops; no call fails. A new version declaring a
    /// method without a policy is stopped, and the running one keeps serving.
    @Test func aRollingUpdateDropsNoCall() async throws {
        func config(version: String, fault: String = "none") -> String {
            "modules.python-fees.external.command: /usr/bin/env python3 \(Self.pythonPlugin) --version \(version) --delay-ms 150 --fault \(fault)\n"
                + TestPlatform.unlimitedRates
        }
        try await TestPlatform.with(extraConfig: config(version: "0.1.0"), plugins: PluginCatalog.all) { platform in
            let first = try #require(Self.pluginPID(of: platform))
            let rolled = AtomicFlag()
            let outcomes = try await platform.withClient(as: "staff-640300-reviewer") { client in
                try await withThrowingTaskGroup(of: [String].self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            var seen: [String] = []
                            var stopAt: ContinuousClock.Instant?
                            let giveUp = ContinuousClock.now + .seconds(60)
                            while ContinuousClock.now < (stopAt ?? giveUp) {
                                do {
                                    let answer = try await Fees.Client(wrapping: client).getSchedule(.init())
                                    seen.append(String(answer.article.split(separator: "@").last ?? ""))
                                } catch {
                                    seen.append("\(error)")
                                }
                                if stopAt == nil, rolled.isSet { stopAt = ContinuousClock.now + .seconds(1) }
                            }
                            return seen
                        }
                    }
                    try await Task.sleep(for: .seconds(1))
                    try platform.rewriteConfig(extra: config(version: "0.2.0"))
                    group.addTask {
                        try await eventually(timeout: .seconds(40), "the new version is listed") {
                            try await platform.withClient { client in
                                try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init()).modules
                                    .contains { $0.id == "python-fees" && $0.version == "0.2.0" }
                            }
                        }
                        rolled.set()
                        return []
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
            }
            #expect(Set(outcomes).isSubset(of: ["0.1.0", "0.2.0"]), "every call answered: \(Set(outcomes))")
            #expect(outcomes.contains("0.1.0") && outcomes.suffix(4).contains("0.2.0"), "\(outcomes)")
            try await eventually("the old version's process is stopped") { kill(first, 0) != 0 || Self.isZombie(first) }
            let second = try #require(Self.pluginPID(of: platform))

            // A new version the host cannot route: started, refused, stopped; the running one stays.
            try platform.rewriteConfig(extra: config(version: "0.3.0", fault: "no-policy"))
            try await eventually(timeout: .seconds(30), "the refused version is started") { Self.pluginPIDs(of: platform).count == 2 }
            try await eventually(timeout: .seconds(30), "and stopped") { Self.pluginPIDs(of: platform) == [second] }
            try await platform.withClient(as: "staff-640300-reviewer") { client in
                let answer = try await Fees.Client(wrapping: client).getSchedule(.init())
                #expect(answer.article.hasSuffix("@0.2.0"), "\(answer.article)")
                let modules = try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init()).modules
                #expect(modules.contains { $0.id == "python-fees" && $0.version == "0.2.0" && $0.health == .serving })
            }
        }
    }

    /// A plugin at a TCP address, run on its own (here by the test), reached over mutual TLS: the
    /// host trusts the plugin's CA and presents its client certificate. A host without the
    /// client certificate cannot complete the plugin's TLS handshake, and refuses the plugin
    /// while the rest serves.
    @Test func aPluginAtATCPAddressIsReachedOverMutualTLS() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-plugin-tls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try TestCertificates(in: folder)
        let portFile = folder.appendingPathComponent("port").path
        let plugin = try SpawnedProcess(
            "/usr/bin/env",
            ["python3", Self.pythonPlugin, "--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey,
             "--tls-client-ca", certificates.caCertificate, "--port-file", portFile],
            environment: ProcessInfo.processInfo.environment.merging(["FAWANG_PLUGIN_LISTEN": "127.0.0.1:0"]) { $1 })
        defer {
            plugin.signal(SIGKILL)
            _ = plugin.waitUntilExit()
        }
        try await eventually(timeout: .seconds(30), "the plugin listens") { FileManager.default.fileExists(atPath: portFile) }
        let port = try String(contentsOfFile: portFile, encoding: .utf8)
        let address = "modules.python-fees.external.address: '127.0.0.1:\(port)'\nmodules.python-fees.external.tls.ca_file: \(certificates.caCertificate)\n"
        let mutual = address + """
            modules.python-fees.external.tls.certificate_chain: \(certificates.clientCertificate)
            modules.python-fees.external.tls.private_key: \(certificates.clientKey)

            """
        try await TestPlatform.with(extraConfig: mutual, plugins: PluginCatalog.all) { platform in
            // On a machine loaded by the whole suite, a first call can time out while grpcio
            // answers its first TLS connection (seen in CI): the plugin is then down a moment and
            // comes back; what is checked is that it serves over mutual TLS.
            var article = ""
            try await eventually(timeout: .seconds(40), every: .milliseconds(500), "the plugin answers over mutual TLS") {
                do {
                    article = try await platform.withClient(as: "staff-640300-reviewer") { client in
                        try await Fees.Client(wrapping: client).getSchedule(.init()).article
                    }
                    return true
                } catch let error as RPCError where [.unavailable, .deadlineExceeded].contains(error.code) {
                    return false
                }
            }
            #expect(article.hasPrefix("python:") && article.hasSuffix("@0.1.0"), "\(article)")
        }
        try await TestPlatform.with(extraConfig: address, plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let modules = try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init()).modules
                let module = try #require(modules.first { $0.id == "python-fees" })
                #expect(module.health == .notServing && module.unavailableReason.contains("did not answer its handshake"), "\(module.unavailableReason)")
                _ = try await Fawang_Directory_V1_DirectoryService.Client(wrapping: client).listKinds(.init())
            }
        }
    }

    /// A plugin in another language serves the same way; one declaring another contract version,
    /// or a method without a policy, is refused with its reason while everything else serves.
    @Test(arguments: [("none", ""), ("contract", "contract version 99"), ("no-policy", "without an access policy")])
    func aPythonPluginIsServedOrRefused(fault: String, reason: String) async throws {
        let config = "modules.python-fees.external.command: /usr/bin/env python3 \(Self.pythonPlugin) --fault \(fault)\n"
        try await TestPlatform.with(extraConfig: config, plugins: PluginCatalog.all) { platform in
            try await platform.withClient(as: "staff-640300-reviewer") { client in
                let modules = try await Fawang_Platform_V1_PlatformService.Client(wrapping: client).listModules(.init()).modules
                #expect(modules.count > 8)
                let health = try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "python-fees" })
                if reason.isEmpty {
                    #expect(health.status == .serving)
                    let answer = try await Fees.Client(wrapping: client).getSchedule(.init())
                    #expect(answer.article.hasPrefix("python:") && !answer.article.hasPrefix("python:anonymous@"), "the verified caller: \(answer.article)")
                } else {
                    #expect(health.status == .notServing)
                    let refused = try await rpcError { try await Fees.Client(wrapping: client).getSchedule(.init()) }
                    #expect(refused.code == .unimplemented, "\(refused)")
                    let module = try #require(modules.first { $0.id == "python-fees" })
                    #expect(module.health == .notServing && module.unavailableReason.contains(reason), "\(module.unavailableReason)")
                }
                let metrics = try await StreamWatcherTests.metrics(platform)
                #expect(metrics.contains("fawang_external_plugin_up{module=\"python-fees\"} \(reason.isEmpty ? 1 : 0)"), "\(metrics)")
            }
        }
    }

    /// The host API: the example keeps each fee slip it issues as a record of its own, written
    /// with an audit entry under the clerk who issued it, and reads it back.
    @Test func theHostAPIKeepsThePluginsRecordsUnderTheCaller() async throws {
        try await TestPlatform.with(extraConfig: Self.config(), plugins: PluginCatalog.all) { platform in
            let slip = try await platform.withClient(as: "staff-640300-reviewer") { client in
                try await Fees.Client(wrapping: client).issueFeeSlip(.with { $0.amountFen = 500_000; $0.caseSummary = "民间借贷纠纷" })
            }
            #expect(slip.number.hasPrefix("FS-") && slip.fee.feeFen == 5_000, "\(slip)")
            // The clerk's division named from the directory, and the last day to pay (第二十二条:
            // 7 days from the next day) on the platform's calendar, both through the host API.
            #expect(slip.regionName == "吴忠市", "\(slip)")
            // The day of issue, China time, as the slip's number carries it (FS-20261207-…).
            let digits = Array(slip.number.split(separator: "-")[1])
            let today = try #require(CivilDate(iso: "\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))"), "\(slip)")
            #expect(today.days(until: CivilDate(Date())) <= 1)
            let payBy = try #require(CivilDate(iso: slip.payBy), "\(slip)")
            #expect(payBy >= today.adding(days: 7) && payBy <= today.adding(days: 7 + 10), "\(slip)")
            try await Self.onSocket("court-fees.host.sock", of: platform) { client in
                let due = try await Fawang_Plugin_V1_PluginHost.Client(wrapping: client).dueDate(.with { $0.startDate = today.description; $0.days = 7 })
                #expect(due.dueDate == slip.payBy && due.provisional == slip.payByProvisional)
            }
            try await platform.withClient(as: "staff-640100-reviewer") { client in
                let again = try await Fees.Client(wrapping: client).getFeeSlip(.with { $0.number = slip.number })
                #expect(again == slip)
                let missing = try await rpcError { try await Fees.Client(wrapping: client).getFeeSlip(.with { $0.number = "FS-none" }) }
                #expect(missing.code == .notFound && missing.message.contains("FS-none"), "\(missing)")
            }
            // In the module's own table, and in the audit trail under the clerk, by the host API.
            let stored = try await platform.query("SELECT record_key FROM court_fees_records WHERE collection = 'slips'")
            #expect(stored.contains(slip.number))
            let audited = try await platform.query(
                "SELECT actor || ' ' || method || ' ' || target FROM audit_log WHERE detail = 'record_put'")
            #expect(audited.contains("fawang.plugin.v1.PluginHost/PutRecord court-fees:slips/\(slip.number)"), "\(audited)")
            #expect(audited.contains("staff-640300"), "\(audited)")
        }
    }

    /// A plugin asking the host API for another line's matter is refused, and the attempt audited
    /// under the caller whose call it was serving.
    @Test func aPluginReadingAnotherLinesMatterIsRefusedAndAudited() async throws {
        let peek = FileManager.default.temporaryDirectory.appendingPathComponent("fawang-peek-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: peek) }
        let config = "modules.python-fees.external.command: /usr/bin/env python3 \(Self.pythonPlugin) --peek-file \(peek.path)\n"
        try await TestPlatform.with(extraConfig: config, plugins: PluginCatalog.all) { platform in
            let number = try await MaterialTests.submit(platform)
            try number.write(to: peek, atomically: true, encoding: .utf8)
            let answer = try await platform.withClient(as: "staff-640300-reviewer") { client in
                try await Fees.Client(wrapping: client).getSchedule(.init())
            }
            #expect(answer.article.hasPrefix("peek:PERMISSION_DENIED:") && answer.article.contains("只能读取本条线"), "\(answer.article)")
            let audited = try await platform.query(
                "SELECT actor || ' ' || outcome || ' ' || detail FROM audit_log WHERE method = 'fawang.plugin.v1.PluginHost/GetLineMatter'")
            #expect(audited.contains("denied external plugin python-fees asked for a matter of legal-aid"), "\(audited)")
            #expect(audited.contains("staff-640300"), "under the caller whose call it served: \(audited)")
        }
    }

    /// What the platform publishes, through the host API on the plugin's own socket: the deadline
    /// engine's counting (民事诉讼法 第八十五条: the start day not counted, a last day in a holiday
    /// moved to the first working day after it) on the State Council's 2026 notice, and the
    /// directory's divisions and organisations.
    @Test func theHostAPIGivesTheCalendarAndTheDirectory() async throws {
        try await TestPlatform.with(extraConfig: Self.config(), plugins: PluginCatalog.all) { platform in
            try await Self.onSocket("court-fees.host.sock", of: platform) { client in
                let host = Fawang_Plugin_V1_PluginHost.Client(wrapping: client)
                // 7 days from 2026-09-28 end on 10-05, inside 国庆节 (10-01 to 10-07): moved to 10-08.
                let holiday = try await host.dueDate(.with { $0.startDate = "2026-09-28"; $0.days = 7 })
                #expect(holiday.dueDate == "2026-10-08" && !holiday.provisional && holiday.period == "7日", "\(holiday)")
                // The same 7 days from 09-20 end on 09-27, a Sunday of 中秋节: moved to Monday 09-28.
                #expect(try await host.dueDate(.with { $0.startDate = "2026-09-20"; $0.days = 7 }).dueDate == "2026-09-28")
                // 5 working days: 09-29, 09-30, (国庆节), 10-08, 10-09, and Saturday 10-10, a make-up working day.
                let working = try await host.dueDate(.with { $0.startDate = "2026-09-28"; $0.days = 5; $0.workingDays = true })
                #expect(working.dueDate == "2026-10-10" && working.period == "5个工作日", "\(working)")
                // Past the calendar: calendar days are provisional, working days refused with what to do.
                let past = try await host.dueDate(.with { $0.startDate = "2026-12-28"; $0.days = 7 })
                #expect(past.dueDate == "2027-01-04" && past.provisional && past.calendarThrough == "2026-12-31", "\(past)")
                await expectStatus(.failedPrecondition, containing: ["2026-12-31", "deadlines.calendar_files"]) {
                    _ = try await host.dueDate(.with { $0.startDate = "2026-12-28"; $0.days = 7; $0.workingDays = true })
                }
                await expectStatus(.invalidArgument, field: "start_date") { _ = try await host.dueDate(.with { $0.startDate = "2026-02-30"; $0.days = 7 }) }
                await expectStatus(.invalidArgument, field: "days") { _ = try await host.dueDate(.with { $0.startDate = "2026-09-28" }) }

                let county = try await host.getDivision(.with { $0.code = "640104" })
                #expect(county.name == "兴庆区" && county.fullName == "银川市兴庆区" && county.level == 3 && county.parentCode == "640100", "\(county)")
                #expect(try await host.getDivision(.with { $0.code = "640300" }).fullName == "吴忠市")
                await expectStatus(.notFound) { _ = try await host.getDivision(.with { $0.code = "640199" }) }
                await expectStatus(.invalidArgument, field: "code") { _ = try await host.getDivision(.with { $0.code = "6401" }) }

                let centres = try await host.listOrganizations(.with { $0.businessLine = "legal-aid"; $0.regionCode = "640300" }).organizations
                #expect(centres.map(\.id) == ["la-640300"] && centres.first?.name == "吴忠市法律援助中心", "\(centres)")
                let everything = try await host.listOrganizations(.init()).organizations
                #expect(everything.count > centres.count && Set(everything.map(\.businessLine)).count > 1)
                await expectStatus(.invalidArgument, field: "region_code") { _ = try await host.listOrganizations(.with { $0.regionCode = "宁夏" }) }
            }
        }
    }

    /// The handshake's checks, each with its reason.
    @Test func theHandshakeIsChecked() throws {
        let file = try Google_Protobuf_FileDescriptorSet(serializedBytes: CourtFeesDescriptorSet.bytes).file
        var good = Fawang_Plugin_V1_HandshakeResponse.with {
            $0.id = "court-fees"
            $0.nameZh = "诉讼费测算"
            $0.version = "1.0.0"
            $0.contractVersion = 1
            $0.fileDescriptorProto = try! file.map { try $0.serializedBytes() }
            $0.methods = [.with { $0.method = "fawang.courtfees.v1.CourtFeeService/Calculate"; $0.policy.anyone = true; $0.rateLimited = true }]
        }
        func reason(_ answer: Fawang_Plugin_V1_HandshakeResponse, taken: Set<String> = []) -> String? {
            if case .failure(let refusal) = ExternalPlugin.validate(answer, id: "court-fees", taken: taken) { return refusal.reason }
            return nil
        }
        #expect(reason(good) == nil)
        guard case .success(let accepted) = ExternalPlugin.validate(good, id: "court-fees", taken: []) else { return }
        #expect(accepted.methods.map(\.fullyQualifiedMethod) == ["fawang.courtfees.v1.CourtFeeService/Calculate"])
        #expect(accepted.rateLimited.count == 1 && accepted.policies.values.first == .anyone)
        #expect(reason(good, taken: ["fawang.courtfees.v1.CourtFeeService"])?.contains("another module") == true)
        var other = good
        other.id = "fees"
        #expect(reason(other)?.contains("modules.court-fees") == true)
        other = good
        other.methods[0].method = "fawang.courtfees.v1.CourtFeeService/Refund"
        #expect(reason(other)?.contains("none of its .proto files") == true)
        other = good
        other.methods[0].policy = .init()
        #expect(reason(other)?.contains("without an access policy") == true)
        other.methods[0].policy.roles = .init()
        #expect(reason(other)?.contains("without an access policy") == true)
        other = good
        other.fileDescriptorProto = []
        #expect(reason(other)?.contains("none of its .proto files") == true)
        good.contractVersion = 2
        #expect(reason(good)?.contains("rebuild the plugin") == true)
    }

    /// The plugin process the host started for this platform: the one told this platform's socket.
    static func pluginPID(of platform: TestPlatform) -> pid_t? { pluginPIDs(of: platform).first }

    /// Every live plugin process the host started for this platform (two during a rolling update).
    static func pluginPIDs(of platform: TestPlatform) -> [pid_t] {
        let socket = "FAWANG_PLUGIN_LISTEN=unix:" + platform.directory.appendingPathComponent("plugins").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry),
                  let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                  String(decoding: environment, as: UTF8.self).split(separator: "\0").contains(where: { $0.hasPrefix(socket) }),
                  !isZombie(pid)  // exited, not yet reaped
            else { return nil }
            return pid
        }.sorted()
    }

    static func isZombie(_ pid: pid_t) -> Bool {
        ((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "").contains(") Z ")
    }
}

