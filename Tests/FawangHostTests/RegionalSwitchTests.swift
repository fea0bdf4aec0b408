import FawangCatalog
import FawangCore
@testable import FawangHost
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `modules.<id>.regions.<division>.enabled`: a module switched off in one county (or city)
/// stops serving that division's matters over gRPC, the gateway and the portal alike, while the
/// rest of the province goes on; a county without its own switch follows its city's, then its
/// province's. Applied on reload, without a restart.
@Suite struct RegionalSwitchTests {
    @Test func aCountyFollowsItsCityThenItsProvinceUnlessItHasItsOwnSwitch() throws {
        let config = try PlatformConfig.parse(yaml: """
            modules:
              legal-aid:
                regions:
                  640100: {enabled: false}
                  640104: {enabled: true}
              mediation.regions.640000.enabled: false
            """)
        #expect(config.moduleRegionSwitches == ["legal-aid": ["640100": false, "640104": true], "mediation": ["640000": false]])
        let registry = ModuleRegistry()
        for plugin in PluginCatalog.all { registry.register(plugin.manifest, serviceNames: plugin.serviceNames, enabled: true) }
        registry.apply(switches: [:], regions: config.moduleRegionSwitches)
        #expect(!registry.isEnabled("legal-aid", in: "640105"), "Xixia follows Yinchuan: off")
        #expect(registry.isEnabled("legal-aid", in: "640104"), "Xingqing has its own switch: on")
        #expect(registry.isEnabled("legal-aid", in: "640200"), "Shizuishan: no switch, on")
        #expect(!registry.isEnabled("mediation", in: "640302"), "a county follows the province")
        #expect(registry.isEnabled("notarization", in: "640105"))
        // The module's own switch still wins: off everywhere.
        registry.apply(switches: ["legal-aid": false])
        #expect(!registry.isEnabled("legal-aid", in: "640104"))
        #expect(throws: (any Error).self) { try PlatformConfig.parse(yaml: "modules.legal-aid.regions.6401.enabled: false") }
        do {
            _ = try PlatformConfig.parse(yaml: "modules.legal-aid.regions.6401.enabled: false")
        } catch {
            #expect(error.key == "modules.legal-aid.regions.6401.enabled" && error.reason.contains("6-digit division code"))
        }
    }

    @Test func switchedOffInOneCountyOverGRPCTheGatewayAndThePortal() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            let http = try #require(platform.ports.http)
            // A matter in Xingqing (640104) filed while the line still serves it.
            let before = try await platform.withInProcessClient {
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: $0).submitApplication(LegalAidSamples.application(region: "640104")).matter
            }
            try platform.rewriteConfig(extra: "modules:\n  legal-aid:\n    regions:\n      640104:\n        enabled: false\n")
            try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                let platformService = Fawang_Platform_V1_PlatformService.Client(wrapping: client)
                try await eventually("the regional switch applies") {
                    let modules = try await platformService.listModules(.with { $0.regionCode = "640104" }).modules
                    return modules.first { $0.id == "legal-aid" }?.enabled == false
                }
                #expect(try await platformService.listModules(.with { $0.regionCode = "640105" }).modules.first { $0.id == "legal-aid" }?.enabled == true)
                // Every division at once, in tree order (the admin console's matrix).
                let tree = try await platformService.listModules(.with { $0.byDivision = true }).divisions
                #expect(tree.first?.division.code == "640000" && tree.dropFirst().first?.division.code == "640100")
                #expect(tree.first { $0.division.code == "640104" }?.enabledModules.contains("legal-aid") == false)
                #expect(tree.first { $0.division.code == "640105" }?.enabledModules.contains("legal-aid") == true)
                #expect(tree.count == Set(tree.map(\.division.code)).count && tree.count > 20)
                #expect(try await platformService.listModules(.init()).modules.first { $0.id == "legal-aid" }?.enabled == true)
                await expectStatus(.invalidArgument, field: "region_code") { _ = try await platformService.listModules(.with { $0.regionCode = "64" }) }

                let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                await expectStatus(.unavailable, containing: ["法律援助", "640104"]) {
                    _ = try await legalAid.submitApplication(LegalAidSamples.application(region: "640104"))
                }
                await expectStatus(.unavailable, containing: ["640104"]) {
                    _ = try await legalAid.approve(.with {
                        $0.trackingNumber = before.trackingNumber
                        $0.context = LegalAidSamples.staff()
                    })
                }
                // The matter stays readable; next door, the line serves on.
                let matter = try await Fawang_Matter_V1_MatterService.Client(wrapping: client).getMatter(.with { $0.trackingNumber = before.trackingNumber })
                #expect(matter.status == "submitted")
                let nextDoor = try await legalAid.submitApplication(LegalAidSamples.application(region: "640105")).matter
                #expect(nextDoor.regionCode == "640105")
            }
            // The gateway answers the same.
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(http)/fawang.legalaid.v1.LegalAidService/SubmitApplication")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(try LegalAidSamples.application(region: "640104").jsonString().utf8)
            let (_, response) = try await URLSession.isolated().data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 503)
            // The portal: the service vanishes from Xingqing's pages, not from Xixia's.
            let xingqing = try await Self.portal(http, "/", region: "640104")
            #expect(!xingqing.contains("法律援助</h3>"), "\(xingqing)")
            #expect(xingqing.contains("兴庆区"), "the chosen division is shown")
            #expect(try await Self.portal(http, "/", region: "640105").contains("/apply/legal-aid/submit"))
            let form = try await Self.portal(http, "/apply/legal-aid/submit", region: "640104")
            #expect(form.contains("该服务暂未开放网上办理"), "\(form)")
            #expect(try await Self.portal(http, "/apply/legal-aid/submit", region: "640105").contains("value=\"640105\""), "the region prefilled")
        }
    }

    static func portal(_ port: Int, _ path: String, region: String) async throws -> String {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        // A session of its own: other tests' cookies for 127.0.0.1 sit in the shared cookie store.
        request.setValue("fawang_region=\(region)", forHTTPHeaderField: "Cookie")
        let (data, _) = try await URLSession(configuration: .ephemeral).data(for: request)
        return String(decoding: data, as: UTF8.self)
    }
}
