import FawangCore
import FawangCatalog
import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Synchronization
import Testing

/// Switching a module off and on by rewriting the config file, with no restart.
@Suite struct ModuleSwitchTests {
    @Test func switchingOffByConfigFileAndBackOn() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient(as: "admin") { client in
                let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                let platformService = Fawang_Platform_V1_PlatformService.Client(wrapping: client)
                let number = try await legalAid.submitApplication(LegalAidSamples.application()).matter.trackingNumber

                // A Health.Watch opened before the switch sees it happen.
                let seen = Mutex<[Grpc_Health_V1_HealthCheckResponse.ServingStatus]>([])
                let watcher = Task {
                    try await health.watch(.with { $0.service = "legal-aid" }) { response in
                        for try await message in response.messages { seen.withLock { $0.append(message.status) } }
                    }
                }
                defer { watcher.cancel() }
                try await eventually("the watch reports SERVING") { seen.withLock { $0 } == [.serving] }

                try platform.rewriteConfig(extra: "modules:\n  legal-aid:\n    enabled: false\n")
                try await eventually("legal aid reads NOT_SERVING") {
                    try await health.check(.with { $0.service = "legal-aid" }).status == .notServing
                }
                #expect(try await health.check(.with { $0.service = "fawang.legalaid.v1.LegalAidService" }).status == .notServing)
                #expect(try await health.check(.with { $0.service = "" }).status == .serving)
                #expect(try await health.check(.with { $0.service = "fawang.matter.v1.MatterService" }).status == .serving)
                await expectStatus(.notFound, containing: ["no.such.Service"]) {
                    _ = try await health.check(.with { $0.service = "no.such.Service" })
                }
                try await eventually("the watch reports NOT_SERVING") { seen.withLock { $0 } == [.serving, .notServing] }

                do {
                    _ = try await legalAid.submitApplication(LegalAidSamples.application())
                    Issue.record("a disabled module accepted a call")
                } catch let error as RPCError {
                    #expect(error.code == .unavailable)
                    #expect(error.message.contains("legal-aid"))
                    #expect(error.message.contains("法律援助"))
                }
                let modules = try await platformService.listModules(.init()).modules
                #expect(modules.map(\.id) == PluginCatalog.all.map(\.manifest.id))
                #expect(modules.filter { !$0.enabled }.map(\.id) == ["legal-aid"])
                #expect(modules.first { $0.id == "legal-aid" }?.health == .notServing)
                // The common record stays readable through the platform service…
                let matter = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = number })
                #expect(matter.status == "submitted")
                // …but not writable through the platform's own services either.
                do {
                    _ = try await Fawang_Deadline_V1_DeadlineService.Client(wrapping: client).pauseClock(.with {
                        $0.trackingNumber = number; $0.reason = "hearing"; $0.context.channel = .walkIn
                    })
                    Issue.record("a disabled module's matter was changed")
                } catch let error as RPCError {
                    #expect(error.code == .unavailable)
                    #expect(error.message.contains("已有事项可以查询"))
                }

                try platform.rewriteConfig(extra: "modules:\n  legal-aid:\n    enabled: true\n")
                try await eventually(timeout: .seconds(60), "legal aid serves again") {
                    try await health.check(.with { $0.service = "legal-aid" }).status == .serving
                }
                _ = try await legalAid.submitApplication(LegalAidSamples.application())
                try await eventually("the watch reports SERVING again") { seen.withLock { $0 } == [.serving, .notServing, .serving] }
            }
        }
    }

    @Test func switchingAnyOneModuleOffLeavesTheOthersServing() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                for plugin in PluginCatalog.all {
                    let off = plugin.manifest.id
                    try platform.rewriteConfig(extra: "modules:\n  \(off):\n    enabled: false\n")
                    try await eventually("\(off) reads NOT_SERVING") { try await health.check(.with { $0.service = off }).status == .notServing }
                    for other in PluginCatalog.all where other.manifest.id != off {
                        #expect(try await health.check(.with { $0.service = other.manifest.id }).status == .serving, "\(other.manifest.id) with \(off) off")
                        for service in other.serviceNames {
                            #expect(try await health.check(.with { $0.service = service }).status == .serving)
                        }
                    }
                    for service in plugin.serviceNames {
                        #expect(try await health.check(.with { $0.service = service }).status == .notServing)
                    }
                }
            }
        }
    }

    @Test func anInvalidFileIsRefusedAndTheRunningConfigStays() async throws {
        try await TestPlatform.with(extraConfig: "modules:\n  legal-aid:\n    enabled: false\n", plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                #expect(try await health.check(.with { $0.service = "legal-aid" }).status == .notServing)
                // Would switch the module on if it were read leniently; it is refused instead.
                try platform.rewriteConfig(extra: "modules:\n  legal-aid:\n    enabled: yes please\n")
                try await Task.sleep(for: .seconds(1))
                #expect(try await health.check(.with { $0.service = "legal-aid" }).status == .notServing)
                try platform.rewriteConfig(extra: "modules:\n  legal-aid:\n    enabled: true\n")
                try await eventually("the next valid file applies") {
                    try await health.check(.with { $0.service = "legal-aid" }).status == .serving
                }
                await #expect(throws: RPCError.self) { _ = try await health.check(.with { $0.service = "no.such.Service" }) }
            }
        }
    }
}

/// An emptied or deleted config file is not "all defaults": the last good config stays, and a
/// file that is valid again applies.
@Suite struct VanishingConfigTests {
    @Test(arguments: ["emptied", "deleted", "comments only"])
    func aModuleSwitchedOffStaysOff(_ change: String) async throws {
        try await TestPlatform.with(extraConfig: "modules:\n  legal-aid:\n    enabled: false\n", plugins: PluginCatalog.all) { platform in
            try await platform.withClient { client in
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                #expect(try await health.check(.with { $0.service = "legal-aid" }).status == .notServing)
                switch change {
                case "emptied": try "".write(toFile: platform.configPath, atomically: false, encoding: .utf8)
                case "deleted": try FileManager.default.removeItem(atPath: platform.configPath)
                default: try "# moved to /etc/fawang\n".write(toFile: platform.configPath, atomically: false, encoding: .utf8)
                }
                // Several reload intervals (200 ms): defaults would have switched legal aid back on.
                try await Task.sleep(for: .seconds(1.5))
                #expect(try await health.check(.with { $0.service = "legal-aid" }).status == .notServing)
                await expectStatus(.unavailable, containing: ["legal-aid"]) {
                    _ = try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client).submitApplication(LegalAidSamples.application())
                }
                try platform.rewriteConfig(extra: "modules:\n  legal-aid:\n    enabled: true\n")
                try await eventually("the file, valid again, applies") {
                    try await health.check(.with { $0.service = "legal-aid" }).status == .serving
                }
            }
        }
    }
}

/// Switching while calls are running: every call either completes or is refused UNAVAILABLE,
/// and exactly the completed ones exist afterwards.
@Suite struct SwitchUnderLoadTests {
    /// Limits high enough that the load is never rate-limited: only the switch refuses calls.
    static let unlimited = TestPlatform.unlimitedRates

    /// Waits patiently (60 s) for each phase: the whole suite runs in parallel on shared cores,
    /// and a phase's progress is what is checked, not its speed.
    @Test func everyCallCompletesOrIsRefusedWhole() async throws {
        try await TestPlatform.with(extraConfig: Self.unlimited, plugins: PluginCatalog.all) { platform in
            try await platform.withClient(as: "admin") { client in
                let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                let health = Grpc_Health_V1_Health.Client(wrapping: client)
                let tally = LoadTally()
                let load = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for _ in 0..<4 {
                            group.addTask {
                                for _ in 0..<3000 where !tally.stop.load(ordering: .relaxed) {
                                    do {
                                        _ = try await legalAid.submitApplication(LegalAidSamples.application())
                                        tally.outcome.withLock { $0.ok += 1 }
                                    } catch let error as RPCError where error.code == .unavailable {
                                        tally.outcome.withLock { $0.unavailable += 1 }
                                    } catch {
                                        tally.outcome.withLock { $0.other.append("\(error)") }
                                    }
                                }
                            }
                        }
                    }
                }
                try await eventually(timeout: .seconds(60), "calls are flowing") { tally.outcome.withLock { $0.ok } > 20 }
                try platform.rewriteConfig(extra: Self.unlimited + "modules.legal-aid.enabled: false\n")
                try await eventually(timeout: .seconds(60), "the switch applies") { tally.outcome.withLock { $0.unavailable } > 20 }
                try platform.rewriteConfig(extra: Self.unlimited + "modules.legal-aid.enabled: true\n")
                try await eventually(timeout: .seconds(60), "legal aid serves again") {
                    try await health.check(.with { $0.service = "legal-aid" }).status == .serving
                }
                let okBefore = tally.outcome.withLock { $0.ok }
                try await eventually(timeout: .seconds(60), "calls succeed again") { tally.outcome.withLock { $0.ok } > okBefore + 20 }
                tally.stop.store(true, ordering: .relaxed)
                await load.value

                let (ok, unavailable, other) = tally.outcome.withLock { $0 }
                #expect(other.isEmpty, "\(other.prefix(3))")
                #expect(ok > 0 && unavailable > 0)
                var stored = 0
                var token = ""
                repeat {
                    let page = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).listMatters(.with {
                        $0.pageSize = 500
                        $0.pageToken = token
                    })
                    stored += page.matters.count
                    token = page.nextPageToken
                } while !token.isEmpty
                #expect(stored == ok)
            }
        }
    }
}

/// Counts of a load run, shared by its workers.
final class LoadTally: Sendable {
    let stop = Atomic<Bool>(false)
    let outcome = Mutex<(ok: Int, unavailable: Int, other: [String])>((0, 0, []))
}
