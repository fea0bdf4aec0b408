import AdministrativeApprovalPlugin
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

/// The administrative approval line over a real server on loopback HTTP/2 with a real SQLite file.
/// Logins: `admin-approval-640100` (Yinchuan city bureau), `admin-approval-640104` (Xingqing district),
/// `admin-approval-admin` (the provincial department's head), `lawyers-640100` (another department).
@Suite struct ApprovalEndToEndTests {
    typealias Approval = Fawang_Approval_V1_ApprovalService.Client<InProcessTransport.Client>
    typealias Deadlines = Fawang_Deadline_V1_DeadlineService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>

    static func platform<T: Sendable>(at day: Int = 1, _ body: (TestPlatform, TestClock) async throws -> T) async throws -> T {
        let clock = TestClock(at: ApprovalSamples.july(day))
        return try await TestPlatform.with(plugins: [AdministrativeApprovalPlugin()], clock: clock) { platform in
            try await body(platform, clock)
        }
    }

    static let city = ApprovalSamples.staff("staff-640100-admin-approval")
    static let province = ApprovalSamples.staff("staff-640000-admin-approval-admin")

    @Test("行政许可法第三十二条、第四十三条、第四十四条: law firm — correction, city review, provincial decision, licence")
    func twoLevelPathFromReceiptToLicence() async throws {
        try await Self.platform { platform, clock in
            let number = try await platform.withInProcessClient(as: "admin-approval-640100") { client in
                let approval = Approval(wrapping: client)
                let submitted = try await approval.submitApplication(ApprovalSamples.lawFirm())
                #expect(!submitted.replayed)
                #expect(submitted.matter.status == "received")
                #expect(submitted.matter.businessLineName == "行政审批")
                #expect(submitted.matter.deadlines.map(\.ruleID) == ["admin-approval.acceptance"])
                #expect(submitted.matter.deadlines.first?.dueDate == "2026-07-06")
                #expect(submitted.matter.deadlines.first?.article == "《中华人民共和国行政许可法》第三十二条")
                let number = submitted.matter.trackingNumber

                // Art. 32(4): one notice listing every correction; field-precise validation first.
                await expectStatus(.invalidArgument, field: "missing_materials") {
                    _ = try await approval.requestMaterials(.with {
                        $0.trackingNumber = number
                        $0.context = Self.city
                    })
                }
                let waiting = try await approval.requestMaterials(.with {
                    $0.trackingNumber = number
                    $0.missingMaterials = ["资产证明", "设立人律师执业证书"]
                    $0.context = Self.city
                })
                #expect(waiting.status == "awaiting_materials")
                #expect(waiting.deadlines.first?.state == .met)
                return number
            }

            // The applicant supplies the corrections on the web portal with the phone digits.
            clock.advance(days: 2)
            try await platform.withInProcessClient { anonymous in
                let supplied = try await Approval(wrapping: anonymous).supplyMaterials(.with {
                    $0.trackingNumber = number
                    $0.materials = ["资产证明", "设立人律师执业证书"]
                    $0.phoneLast4 = "1234"
                    $0.context.channel = .web
                })
                #expect(supplied.status == "received")
            }

            try await platform.withInProcessClient(as: "admin-approval-640100") { client in
                let approval = Approval(wrapping: client)
                // A second notice is refused.
                await expectStatus(.failedPrecondition) {
                    _ = try await approval.requestMaterials(.with {
                        $0.trackingNumber = number
                        $0.missingMaterials = ["章程"]
                        $0.context = Self.city
                    })
                }
                // Accepted on 3 July: the city bureau reviews within 20 days (Art. 43).
                let accepted = try await approval.accept(.with {
                    $0.trackingNumber = number
                    $0.context = Self.city
                })
                #expect(accepted.status == "lower_review")
                let review = try #require(accepted.deadlines.first { $0.ruleID == "admin-approval.lower-review" })
                #expect(review.dueDate == "2026-07-23")
                #expect(review.article == "《中华人民共和国行政许可法》第四十三条")

                clock.advance(days: 7)
                let reported = try await approval.submitToUpper(.with {
                    $0.trackingNumber = number
                    $0.opinion = "设立条件符合律师法第十四条、第十五条，建议准予设立"
                    $0.recommendApproval = true
                    $0.context = Self.city
                })
                #expect(reported.status == "under_review")
                // Reported 10 July: for a law firm the province decides within 10 days of receipt,
                // by 20 July (律师法第十八条, the special law Art. 42 defers to), not Art. 42's 20 days.
                let decision = try #require(reported.deadlines.first { $0.ruleID == "admin-approval.law-firm-decision" })
                #expect(decision.dueDate == "2026-07-20")
                #expect(decision.article == "《中华人民共和国律师法》第十八条")
                #expect(reported.deadlines.first { $0.ruleID == "admin-approval.decision" } == nil)
                #expect(reported.deadlines.first { $0.ruleID == "admin-approval.lower-review" }?.state == .met)

                // Art. 43: the city bureau that reviewed it cannot decide.
                await expectStatus(.permissionDenied) {
                    _ = try await approval.approve(.with {
                        $0.trackingNumber = number
                        $0.context = Self.city
                    })
                }
            }

            // Another department's staff in the same city cannot touch it.
            try await platform.withInProcessClient(as: "lawyers-640100") { client in
                await expectStatus(.permissionDenied) {
                    _ = try await Approval(wrapping: client).deny(.with {
                        $0.trackingNumber = number
                        $0.reasons = "x"
                        $0.context = ApprovalSamples.staff("staff-640100-lawyers")
                    })
                }
            }

            try await platform.withInProcessClient(as: "admin-approval-admin") { client in
                let approval = Approval(wrapping: client)
                let approved = try await approval.approve(.with {
                    $0.trackingNumber = number
                    $0.note = "准予设立"
                    $0.context = Self.province
                })
                #expect(approved.status == "approved")
                let licence = try #require(approved.timeline.last?.attributes["licence_number"])
                #expect(licence.hasPrefix("宁司许律所〔2026〕"))
                #expect(approved.detailsJson.contains(licence))
                let issuance = try #require(approved.deadlines.first { $0.ruleID == "admin-approval.issuance" })
                #expect(issuance.dueDate == "2026-07-20")
                #expect(issuance.article == "《中华人民共和国行政许可法》第四十四条")

                await expectStatus(.invalidArgument, field: "delivery") {
                    _ = try await approval.issueLicence(.with {
                        $0.trackingNumber = number
                        $0.context = Self.province
                    })
                }
                let issued = try await approval.issueLicence(.with {
                    $0.trackingNumber = number
                    $0.delivery = "窗口领取"
                    $0.context = Self.province
                })
                #expect(issued.status == "licence_issued")
                #expect(issued.deadlines.allSatisfy { $0.state == .met })
                #expect(issued.timeline.map(\.kind) == [
                    "submitted", "materials_requested", "materials_supplied", "accepted_for_lower_review", "law_firm_submitted_to_province",
                    "approved", "licence_issued",
                ])
            }

            // The public progress query shows the licence's deadlines with their articles.
            try await platform.withInProcessClient { anonymous in
                let report = try await Matters(wrapping: anonymous).queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
                #expect(report.statusLabel == "已颁发、送达行政许可证件")
                #expect(report.applicantNameMasked == "马**")
            }
        }
    }

    @Test("行政许可法第四十二条、第四十五条、第三十八条: one-level item — hearing pause, 10-day extension, denial with remedies")
    func oneLevelHearingExtensionDenial() async throws {
        try await Self.platform { platform, clock in
            try await platform.withInProcessClient(as: "admin-approval-admin") { client in
                let approval = Approval(wrapping: client)
                let deadlines = Deadlines(wrapping: client)
                let submitted = try await approval.submitApplication(ApprovalSamples.appraisal())
                #expect(submitted.matter.regionName == "宁夏回族自治区")
                let number = submitted.matter.trackingNumber
                let accepted = try await approval.accept(.with {
                    $0.trackingNumber = number
                    $0.context = Self.province
                })
                #expect(accepted.status == "under_review")
                #expect(accepted.deadlines.first { $0.ruleID == "admin-approval.decision" }?.dueDate == "2026-07-21")

                // Art. 45: the hearing's time is not counted (3 July to 10 July: 7 days).
                clock.advance(days: 2)
                await expectStatus(.invalidArgument, field: "reason") {
                    _ = try await deadlines.pauseClock(.with {
                        $0.trackingNumber = number
                        $0.reason = "force_majeure"
                        $0.context = Self.province
                    })
                }
                let paused = try await deadlines.pauseClock(.with {
                    $0.trackingNumber = number
                    $0.reason = "hearing"
                    $0.note = "依申请举行听证，所需时间已书面告知申请人"
                    $0.context = Self.province
                })
                let stopped = try #require(paused.deadlines.first { $0.ruleID == "admin-approval.decision" })
                #expect(stopped.state == .paused)
                #expect(stopped.pausedFor == "听证")
                clock.advance(days: 7)
                let resumed = try await deadlines.resumeClock(.with {
                    $0.trackingNumber = number
                    $0.context = Self.province
                })
                let running = try #require(resumed.deadlines.first { $0.ruleID == "admin-approval.decision" })
                #expect(running.pausedDays == 7)
                #expect(running.dueDate == "2026-07-28")

                // Art. 42: the head extends once, by at most 10 days, with reasons.
                await expectStatus(.invalidArgument, field: "days") {
                    _ = try await deadlines.extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "admin-approval.decision"
                        $0.days = 11
                        $0.reason = "需实地核查仪器设备"
                        $0.context = Self.province
                    })
                }
                let extended = try await deadlines.extendDeadline(.with {
                    $0.trackingNumber = number
                    $0.ruleID = "admin-approval.decision"
                    $0.days = 10
                    $0.reason = "需实地核查仪器设备，延长期限的理由已告知申请人"
                    $0.context = Self.province
                })
                let longer = try #require(extended.deadlines.first { $0.ruleID == "admin-approval.decision" })
                #expect(longer.dueDate == "2026-08-07")
                #expect(longer.extensions == 1)
                #expect(longer.period == "30日")
                await expectStatus(.failedPrecondition) {
                    _ = try await deadlines.extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "admin-approval.decision"
                        $0.days = 5
                        $0.reason = "再次延长"
                        $0.context = Self.province
                    })
                }

                // Art. 38 para. 2: a written denial with reasons and the remedies.
                await expectStatus(.invalidArgument, field: "reasons") {
                    _ = try await approval.deny(.with {
                        $0.trackingNumber = number
                        $0.context = Self.province
                    })
                }
                let denied = try await approval.deny(.with {
                    $0.trackingNumber = number
                    $0.reasons = "检测实验室未通过资质认定"
                    $0.reconsiderationOrgan = "宁夏回族自治区人民政府"
                    $0.court = "银川市中级人民法院"
                    $0.context = Self.province
                })
                #expect(denied.status == "denied")
                #expect(denied.statusLabel == "不予行政许可")
                #expect(denied.timeline.last?.note == "检测实验室未通过资质认定")
                #expect(denied.timeline.last?.attributes["remedies"]?.contains("向宁夏回族自治区人民政府申请行政复议") == true)
                #expect(denied.deadlines.first { $0.ruleID == "admin-approval.decision" }?.state == .met)
                #expect(denied.timeline.map(\.kind) == ["submitted", "accepted", "clock_paused", "clock_resumed", "deadline_extended", "denied"])
                await expectStatus(.failedPrecondition) {
                    _ = try await approval.approve(.with {
                        $0.trackingNumber = number
                        $0.context = Self.province
                    })
                }
            }
        }
    }

    @Test("行政许可法第四十二条: only the agency's head extends — city staff may not")
    func staffCannotExtend() async throws {
        try await Self.platform { platform, _ in
            try await platform.withInProcessClient(as: "admin-approval-640100") { client in
                let approval = Approval(wrapping: client)
                let number = try await approval.submitApplication(ApprovalSamples.lawFirm()).matter.trackingNumber
                _ = try await approval.accept(.with {
                    $0.trackingNumber = number
                    $0.context = Self.city
                })
                await expectStatus(.permissionDenied) {
                    _ = try await Deadlines(wrapping: client).extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "admin-approval.lower-review"
                        $0.days = 10
                        $0.reason = "x"
                        $0.context = Self.city
                    })
                }
            }
        }
    }

    @Test("行政许可法第三十二条第一款第四项: after 5 days without a notice, no corrections; the engine alerts and acceptance records receipt")
    func fiveDayReceiptRule() async throws {
        try await Self.platform { platform, clock in
            let number = try await platform.withInProcessClient { anonymous in
                try await Approval(wrapping: anonymous).submitApplication(ApprovalSamples.appraisal()).matter.trackingNumber
            }
            clock.advance(days: 6)
            try await platform.withInProcessClient(as: "admin-approval-admin") { client in
                let approval = Approval(wrapping: client)
                let alerts = try await Deadlines(wrapping: client).listAlerts(.with { $0.businessLine = "admin-approval" })
                let alert = try #require(alerts.alerts.first { $0.trackingNumber == number })
                #expect(alert.kind == .overdue)
                #expect(alert.ruleID == "admin-approval.acceptance")
                #expect(alert.article == "《中华人民共和国行政许可法》第三十二条")

                await expectStatus(.failedPrecondition) {
                    _ = try await approval.requestMaterials(.with {
                        $0.trackingNumber = number
                        $0.missingMaterials = ["资金证明"]
                        $0.context = Self.province
                    })
                }
                let accepted = try await approval.accept(.with {
                    $0.trackingNumber = number
                    $0.context = Self.province
                })
                #expect(accepted.timeline.last?.attributes["deemed_accepted_from"] == "2026-07-01")
                #expect(accepted.deadlines.first { $0.ruleID == "admin-approval.acceptance" }?.state == .metLate)
                // 行政许可法第三十二条、第四十二条: deemed accepted on receipt, so the 20 days run from 07-01.
                #expect(accepted.deadlines.first { $0.ruleID == "admin-approval.decision" }?.dueDate == "2026-07-21")
            }
        }
    }

    @Test("行政许可法第三十二条第一款第二项: not accepted, with the competent agency named")
    func nonAcceptancePath() async throws {
        try await Self.platform { platform, _ in
            try await platform.withInProcessClient(as: "admin-approval-640100") { client in
                let approval = Approval(wrapping: client)
                let number = try await approval.submitApplication(ApprovalSamples.lawFirm()).matter.trackingNumber
                await expectStatus(.invalidArgument, field: "competent_authority") {
                    _ = try await approval.notAccept(.with {
                        $0.trackingNumber = number
                        $0.ground = .outsideCompetence
                        $0.reasons = "住所不在本市"
                        $0.context = Self.city
                    })
                }
                let refused = try await approval.notAccept(.with {
                    $0.trackingNumber = number
                    $0.ground = .outsideCompetence
                    $0.reasons = "拟设律所住所在石嘴山市"
                    $0.competentAuthority = "石嘴山市司法局"
                    $0.context = Self.city
                })
                #expect(refused.status == "not_accepted")
                #expect(refused.deadlines.first?.state == .met)
            }
        }
    }

    @Test func submissionIsIdempotentAndValidatedOverTheWire() async throws {
        try await Self.platform { platform, _ in
            try await platform.withInProcessClient { client in
                let approval = Approval(wrapping: client)
                let request = ApprovalSamples.appraisal(requestID: "same-key")
                let first = try await approval.submitApplication(request)
                let again = try await approval.submitApplication(request)
                #expect(again.replayed)
                #expect(again.matter.trackingNumber == first.matter.trackingNumber)
                await expectStatus(.invalidArgument, field: "region_code") {
                    _ = try await approval.submitApplication(ApprovalSamples.appraisal().with { $0.regionCode = "640104" })
                }
                // Staff steps need a signed-in handler.
                await expectStatus(.unauthenticated) {
                    _ = try await approval.accept(.with {
                        $0.trackingNumber = first.matter.trackingNumber
                        $0.context = Self.province
                    })
                }
                let items = try await approval.listLicensingItems(.init())
                #expect(items.items.map(\.name) == ["律师事务所设立", "公证机构设立", "司法鉴定机构登记", "基层法律服务工作者执业"])
                #expect(items.items.map(\.twoLevel) == [true, true, false, true])
            }
        }
    }
}

extension Fawang_Approval_V1_SubmitApplicationRequest {
    func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }
}
