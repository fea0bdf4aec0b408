import FawangCatalog
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCProtobuf
import SwiftProtobuf
import Testing

/// The legal aid line over a real server on loopback HTTP/2 with a real SQLite file.
@Suite struct LegalAidEndToEndTests {
    typealias LegalAid = Fawang_Legalaid_V1_LegalAidService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>

    @Test func wholePathFromSubmissionToRating() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                let legalAid = LegalAid(wrapping: client)
                let matters = Matters(wrapping: client)

                // Front desk: the hotline front end keys the application in for its agent op-17.
                var application = LegalAidSamples.application()
                application.context = LegalAidSamples.staff("op-17", channel: .walkIn)
                let submitted = try await platform.withInProcessClient(as: "hotline-frontend") { _ in
                    try await legalAid.submitApplication(application)
                }
                #expect(!submitted.replayed)
                let number = submitted.matter.trackingNumber
                #expect(submitted.matter.status == "submitted")
                #expect(submitted.matter.channel == .hotline)
                #expect(submitted.matter.regionName == "兴庆区")
                #expect(submitted.matter.deadlines.map(\.ruleID) == ["legal-aid.decision"])
                #expect(submitted.matter.deadlines.first?.state == .running)
                #expect(submitted.matter.deadlines.first?.article.contains("第四十三条") == true)

                // Back office: one list of missing materials; the decision clock pauses.
                let waiting = try await legalAid.requestMaterials(.with {
                    $0.trackingNumber = number
                    $0.missingMaterials = ["劳动合同或用工证明", "工资欠条"]
                    $0.context = LegalAidSamples.staff()
                })
                #expect(waiting.status == "awaiting_materials")
                #expect(waiting.deadlines.first?.state == .paused)

                // The applicant supplies them from the app, proving themself with the phone digits.
                let resumed = try await platform.withInProcessClient { _ in
                    try await legalAid.supplyMaterials(.with {
                        $0.trackingNumber = number
                        $0.materials = ["劳动合同", "工资欠条"]
                        $0.phoneLast4 = "1234"
                    })
                }
                #expect(resumed.status == "submitted")
                #expect(resumed.deadlines.first?.state == .running)

                let approved = try await legalAid.approve(.with {
                    $0.trackingNumber = number
                    $0.context = LegalAidSamples.staff()
                })
                #expect(approved.status == "approved")
                #expect(approved.deadlines.map(\.ruleID) == ["legal-aid.decision", "legal-aid.assignment"])
                #expect(approved.deadlines.map(\.state) == [.met, .running])

                // A rating waits for the end; the phone digits prove the applicant; 1 to 5.
                func rate(_ phone: String, _ score: Int32) async throws {
                    _ = try await matters.rateMatter(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = phone
                        $0.score = score
                        $0.context.channel = .web
                    })
                }
                await expectStatus(.failedPrecondition) { try await rate("1234", 5) }
                await expectStatus(.notFound) { try await rate("9999", 5) }
                await expectStatus(.invalidArgument, field: "score") { try await rate("1234", 6) }

                let providers = try await legalAid.listProviders(.with { $0.regionCode = "640104" })
                let provider = try #require(providers.providers.first)
                #expect(providers.providers.allSatisfy { $0.regionCode.hasPrefix("6401") })

                let assigned = try await legalAid.assign(.with {
                    $0.trackingNumber = number
                    $0.providerID = provider.id
                    $0.context = LegalAidSamples.staff()
                })
                #expect(assigned.status == "assigned")
                #expect(assigned.deadlines.map(\.state) == [.met, .met])

                let concluded = try await legalAid.conclude(.with {
                    $0.trackingNumber = number
                    $0.outcomeSummary = "经调解，用人单位支付全部欠薪"
                    $0.context = LegalAidSamples.staff()
                })
                #expect(concluded.status == "concluded")

                // Rated on the portal: the gateway names its door on its in-process call.
                let rated = try await platform.withInProcessClient { _ in
                    try await legalAid.rate(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = "1234"
                        $0.score = 5
                        $0.comment = "律师很负责"
                    }, metadata: ["fawang-origin": "web"])
                }
                #expect(rated.timeline.map(\.kind) == [
                    "submitted", "materials_requested", "materials_supplied", "approved", "assigned", "concluded", "rated",
                ])
                // One record, one timeline, whichever channel touched it.
                #expect(rated.timeline.map(\.channel) == [.hotline, .walkIn, .mobile, .walkIn, .walkIn, .walkIn, .web])

                // The public progress query: masked name, no operator ids, deadlines with articles.
                let report = try await matters.queryProgress(.with {
                    $0.trackingNumber = number.replacingOccurrences(of: " ", with: "")
                    $0.phoneLast4 = "1234"
                })
                #expect(report.statusLabel == "已结案")
                #expect(report.applicantNameMasked == "马**")
                #expect(report.timeline.allSatisfy { $0.actor.isEmpty })
                #expect(report.deadlines.allSatisfy { $0.summary.contains("《中华人民共和国法律援助法》第四十三条") })

                // Rating twice is refused.
                await expectStatus(.failedPrecondition) {
                    _ = try await legalAid.rate(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = "1234"
                        $0.score = 1
                        $0.context.channel = .web
                    })
                }
                // Once per matter, by whichever door: the platform's RateMatter refuses it too.
                await expectStatus(.failedPrecondition) {
                    _ = try await matters.rateMatter(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = "1234"
                        $0.score = 1
                        $0.context.channel = .web
                    })
                }

                // The provider and its centre are credited with the matter and its rating.
                let directory = Fawang_Directory_V1_DirectoryService.Client(wrapping: client)
                let credit = try await directory.getEntry(.with { $0.id = "legal_aid_provider/\(provider.id)" }).credit
                #expect(credit.handledMatters == 1 && credit.ratedMatters == 1 && credit.averageRating == 5 && credit.overdueMatters == 0)
                let centre = try await directory.getEntry(.with { $0.id = "legal_aid_centre/\(provider.organization)" }).credit
                #expect(centre.handledMatters == 1 && centre.averageRating == 5)
            }
        }
    }

    @Test("Art. 43: a refusal needs written reasons, and ends the matter")
    func refusalPath() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withInProcessClient(as: "staff-640100-reviewer") { client in
                let legalAid = LegalAid(wrapping: client)
                let number = try await legalAid.submitApplication(LegalAidSamples.application()).matter.trackingNumber
                await expectStatus(.invalidArgument, field: "reasons") {
                    _ = try await legalAid.refuse(.with {
                        $0.trackingNumber = number
                        $0.context = LegalAidSamples.staff()
                    })
                }
                let refused = try await legalAid.refuse(.with {
                    $0.trackingNumber = number
                    $0.reasons = "家庭人均收入高于本地法律援助经济困难标准"
                    $0.context = LegalAidSamples.staff()
                })
                #expect(refused.status == "refused")
                #expect(refused.statusLabel == "不予法律援助")
                #expect(refused.timeline.last?.note == "家庭人均收入高于本地法律援助经济困难标准")
                #expect(refused.deadlines.first?.state == .met)
                await expectStatus(.failedPrecondition) {
                    _ = try await legalAid.approve(.with {
                        $0.trackingNumber = number
                        $0.context = LegalAidSamples.staff()
                    })
                }
            }
        }
    }

    @Test func secondFactorStaffScopeAndProvidersHold() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withInProcessClient { client in
                let legalAid = LegalAid(wrapping: client)
                let matters = Matters(wrapping: client)
                let number = try await legalAid.submitApplication(LegalAidSamples.application()).matter.trackingNumber

                // A wrong second factor reads exactly like an unknown number.
                await expectStatus(.notFound) {
                    _ = try await matters.queryProgress(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = "9999"
                    })
                }
                await expectStatus(.notFound) {
                    _ = try await matters.queryProgress(.with {
                        $0.trackingNumber = TrackingNumber.random().formatted
                        $0.phoneLast4 = "1234"
                    })
                }
                await expectStatus(.invalidArgument, field: "tracking_number") {
                    _ = try await matters.queryProgress(.with {
                        $0.trackingNumber = "1234"
                        $0.phoneLast4 = "1234"
                    })
                }
                // Decisions are staff's: not anonymous callers'…
                await expectStatus(.unauthenticated) {
                    _ = try await legalAid.approve(.with {
                        $0.trackingNumber = number
                        $0.context = LegalAidSamples.staff()
                    })
                }
                // …nor another city's staff (the matter is in Yinchuan's Xingqing district).
                try await platform.withInProcessClient(as: "staff-640200-reviewer") { shizuishan in
                    await expectStatus(.permissionDenied) {
                        _ = try await LegalAid(wrapping: shizuishan).approve(.with {
                            $0.trackingNumber = number
                            $0.context = LegalAidSamples.staff("staff-640200-reviewer")
                        })
                    }
                    await expectStatus(.permissionDenied) {
                        _ = try await Matters(wrapping: shizuishan).getMatter(.with { $0.trackingNumber = number })
                    }
                }
                // Province-level staff reach every city's matters.
                try await platform.withInProcessClient(as: "legal-aid-admin") { province in
                    let seen = try await Matters(wrapping: province).getMatter(.with { $0.trackingNumber = number })
                    #expect(seen.regionCode == "640104")
                }
                try await platform.withInProcessClient(as: "staff-640100-reviewer") { yinchuan in
                    let legalAid = LegalAid(wrapping: yinchuan)
                    let approved = try await legalAid.approve(.with {
                        $0.trackingNumber = number
                        $0.context = LegalAidSamples.staff()
                    })
                    #expect(approved.timeline.last?.actor == "staff-640100-reviewer")
                    // An aid provider of another city cannot be assigned.
                    await expectStatus(.failedPrecondition) {
                        _ = try await legalAid.assign(.with {
                            $0.trackingNumber = number
                            $0.providerID = "lap-640200-1"
                            $0.context = LegalAidSamples.staff()
                        })
                    }
                    await expectStatus(.notFound) {
                        _ = try await legalAid.assign(.with {
                            $0.trackingNumber = number
                            $0.providerID = "nobody"
                            $0.context = LegalAidSamples.staff()
                        })
                    }
                }
            }
        }
    }

    @Test func unknownRegionIsAnInvalidArgument() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            try await platform.withInProcessClient { client in
                await expectStatus(.invalidArgument, field: "region_code") {
                    _ = try await LegalAid(wrapping: client).submitApplication(LegalAidSamples.application(region: "110101"))
                }
            }
        }
    }
}


/// A signed-in citizen's own matters, and nobody else's.
@Suite struct CitizenAccessTests {
    @Test func aCitizenSeesOwnMattersOnly() async throws {
        try await TestPlatform.with(plugins: PluginCatalog.all) { platform in
            // Someone else's application, submitted at a window.
            let other = try await platform.withInProcessClient { client in
                try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                    .submitApplication(LegalAidSamples.application(phone: "13800009999")).matter
            }
            try await platform.withInProcessClient(as: "13951001234") { client in
                let legalAid = Fawang_Legalaid_V1_LegalAidService.Client(wrapping: client)
                let matters = Fawang_Matter_V1_MatterService.Client(wrapping: client)
                var application = LegalAidSamples.application()
                application.context = .with { $0.channel = .web }
                let mine = try await legalAid.submitApplication(application).matter
                // The applicant sees their own identity number; the timeline says "applicant".
                #expect(mine.applicant.idNumber == application.applicant.idNumber)
                #expect(mine.timeline.first?.actor == "applicant")
                #expect(try await matters.getMatter(.with { $0.id = mine.id }).id == mine.id)
                await expectStatus(.permissionDenied) { _ = try await matters.getMatter(.with { $0.id = other.id }) }
                let listed = try await matters.listMatters(.init()).matters.map(\.id)
                #expect(listed == [mine.id])
                // Signed in as the applicant, no phone digits are needed to supply materials.
                _ = try await platform.withInProcessClient(as: "staff-640100-reviewer") { staff in
                    try await Fawang_Legalaid_V1_LegalAidService.Client(wrapping: staff).requestMaterials(.with {
                        $0.trackingNumber = mine.trackingNumber
                        $0.missingMaterials = ["劳动合同"]
                        $0.context = LegalAidSamples.staff()
                    })
                }
                let supplied = try await legalAid.supplyMaterials(.with {
                    $0.trackingNumber = mine.trackingNumber
                    $0.materials = ["劳动合同"]
                    $0.context.channel = .web
                })
                #expect(supplied.status == "submitted")
                // But not for someone else's matter.
                await expectStatus(.notFound) {
                    _ = try await legalAid.supplyMaterials(.with {
                        $0.trackingNumber = other.trackingNumber
                        $0.materials = ["x"]
                        $0.context.channel = .web
                    })
                }
            }
        }
    }
}
