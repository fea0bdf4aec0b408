@testable import DisclosurePlugin
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf
import Testing

/// The disclosure line over a real host with a real SQLite file: the happy path over loopback
/// HTTP/2, the rest over the in-process transport (the same interceptor chain). The host's clock
/// starts on Wednesday 2026-09-23, so the periods run over 中秋、国庆 2026.
@Suite struct DisclosureEndToEndTests {
    typealias Disclosure = Fawang_Disclosure_V1_DisclosureService.Client<InProcessTransport.Client>
    typealias Deadlines = Fawang_Deadline_V1_DeadlineService.Client<InProcessTransport.Client>
    typealias Matters = Fawang_Matter_V1_MatterService.Client<InProcessTransport.Client>

    /// The Xingqing district bureau's disclosure office (login `disclosure-640104`).
    static let office = LegalAidSamples.staff("staff-640104-disclosure")
    /// The head of the disclosure office: the line's department admin (login `disclosure-admin`).
    static let head = LegalAidSamples.staff("staff-640000-disclosure-admin")
    static let web = Fawang_Matter_V1_ChannelContext.with { $0.channel = .web }

    static func platform<T: Sendable>(_ body: (TestPlatform, TestClock) async throws -> T) async throws -> T {
        let clock = TestClock(at: beijing(2026, 9, 23))
        return try await TestPlatform.with(plugins: [DisclosurePlugin()], clock: clock) { platform in try await body(platform, clock) }
    }

    /// An application filed online by a citizen who is not signed in.
    static func submit(_ platform: TestPlatform, _ request: Fawang_Disclosure_V1_SubmitRequestRequest = DisclosureRulesTests.application()) async throws -> String {
        try await platform.withInProcessClient { client in
            try await Disclosure(wrapping: client).submitRequest(request).matter.trackingNumber
        }
    }

    static func deadline(_ matter: Fawang_Matter_V1_Matter, _ id: String) throws -> Fawang_Matter_V1_Deadline {
        try #require(matter.deadlines.first { $0.ruleID == id }, "\(matter.deadlines.map(\.ruleID))")
    }

    @Test("第二十九条、第三十三条、第三十六条：网上申请、登记办理、予以公开，全程留痕") func wholePathOverLoopback() async throws {
        try await Self.platform { platform, _ in
            typealias Client = Fawang_Disclosure_V1_DisclosureService.Client<HTTP2ClientTransport.Posix>
            let request = DisclosureRulesTests.application()
            let submitted = try await platform.withClient { client in try await Client(wrapping: client).submitRequest(request) }
            #expect(!submitted.replayed)
            #expect(submitted.matter.businessLineName == "政府信息公开")
            #expect(submitted.matter.matterTypeName == "政府信息公开申请")
            #expect(submitted.matter.statusLabel == "已收到申请，待审查")
            #expect(submitted.matter.deadlines.map(\.ruleID) == ["disclosure.correction-notice", "disclosure.reply"])
            #expect(submitted.matter.deadlines.map(\.dueDate) == ["2026-10-10", "2026-10-28"])
            #expect(submitted.matter.deadlines.map(\.period) == ["7个工作日", "20个工作日"])
            let number = submitted.matter.trackingNumber
            // A retry with the same request id is the same application.
            let again = try await platform.withClient { client in try await Client(wrapping: client).submitRequest(request) }
            #expect(again.replayed && again.matter.trackingNumber == number)

            let answered = try await platform.withClient(as: "disclosure-640104") { client in
                let disclosure = Client(wrapping: client)
                let accepted = try await disclosure.accept(.with {
                    $0.trackingNumber = number
                    $0.context = Self.office
                })
                #expect(accepted.status == "processing")
                #expect(try Self.deadline(accepted, "disclosure.correction-notice").state == .met)
                return try await disclosure.answer(.with {
                    $0.trackingNumber = number
                    $0.outcome = .disclosed
                    $0.accessRoute = "已于2026年9月25日通过电子邮件发送至申请人邮箱"
                    $0.context = Self.office
                })
            }
            #expect(answered.status == "answered")
            #expect(answered.statusLabel == "已答复")
            #expect(answered.timeline.map(\.kind) == ["submitted", "accepted", "answered"])
            #expect(answered.timeline.last?.attributes["outcome"] == "disclosed")
            #expect(answered.deadlines.map(\.state) == [.met, .met])

            // The citizen's progress query: the reply and its article, without staff ids.
            let report = try await platform.withClient { client in
                try await Fawang_Matter_V1_MatterService.Client(wrapping: client).queryProgress(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                })
            }
            #expect(report.statusLabel == "已答复")
            #expect(report.timeline.allSatisfy { $0.actor.isEmpty })
            #expect(report.deadlines.contains { $0.summary.contains("《中华人民共和国政府信息公开条例》第三十三条第二款") })
        }
    }

    @Test("第三十条：一次性告知补正后，答复期限自收到补正的申请之日起计算") func art30CorrectionThenAnswerCountsFromTheCorrectedApplication() async throws {
        try await Self.platform { platform, clock in
            var request = DisclosureRulesTests.application()
            request.informationName = ""
            request.description_p = "关于律师事务所的文件"
            let number = try await Self.submit(platform, request)
            clock.set(beijing(2026, 9, 29))
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                let disclosure = Disclosure(wrapping: client)
                await expectStatus(.invalidArgument, field: "corrections") {
                    _ = try await disclosure.requestCorrection(.with {
                        $0.trackingNumber = number
                        $0.guidance = "请写明文件名称或者发文年度"
                        $0.correctionDays = 10
                        $0.context = Self.office
                    })
                }
                await expectStatus(.invalidArgument, field: "correction_days") {
                    _ = try await disclosure.requestCorrection(.with {
                        $0.trackingNumber = number
                        $0.corrections = ["所需文件的名称或者文号"]
                        $0.guidance = "请写明文件名称或者发文年度"
                        $0.correctionDays = 0
                        $0.context = Self.office
                    })
                }
                let asked = try await disclosure.requestCorrection(.with {
                    $0.trackingNumber = number
                    $0.corrections = ["所需文件的名称或者文号", "文件的大致发布时间"]
                    $0.guidance = "“关于律师事务所的文件”范围不明确，请写明文件名称、文号或者发文年度"
                    $0.correctionDays = 10
                    $0.context = Self.office
                })
                #expect(asked.status == "awaiting_correction")
                #expect(asked.timeline.last?.attributes["correction_due"] == "2026-10-19")
                #expect(try Self.deadline(asked, "disclosure.correction-notice").state == .met)
                let waiting = try Self.deadline(asked, "disclosure.reply")
                #expect(waiting.state == .paused && waiting.dueDate.isEmpty)
                // Told once (Art. 30).
                await expectStatus(.failedPrecondition, containing: ["一次性告知过补正"]) {
                    _ = try await disclosure.requestCorrection(.with {
                        $0.trackingNumber = number
                        $0.corrections = ["再补充"]
                        $0.guidance = "g"
                        $0.correctionDays = 5
                        $0.context = Self.office
                    })
                }
                // Not abandoned before the period ends.
                await expectStatus(.failedPrecondition, containing: ["2026-10-19"]) {
                    _ = try await disclosure.closeAbandoned(.with {
                        $0.trackingNumber = number
                        $0.context = Self.office
                    })
                }
            }
            clock.set(beijing(2026, 10, 12))
            let corrected = try await platform.withInProcessClient { client in
                let disclosure = Disclosure(wrapping: client)
                // The wrong phone digits reveal nothing.
                await expectStatus(.notFound) {
                    _ = try await disclosure.supplyCorrection(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = "9999"
                        $0.documentNumber = "宁司发〔2025〕12号"
                        $0.context = Self.web
                    })
                }
                await expectStatus(.invalidArgument, field: "description") {
                    _ = try await disclosure.supplyCorrection(.with {
                        $0.trackingNumber = number
                        $0.phoneLast4 = "1234"
                        $0.context = Self.web
                    })
                }
                return try await disclosure.supplyCorrection(.with {
                    $0.trackingNumber = number
                    $0.phoneLast4 = "1234"
                    $0.informationName = "关于进一步规范律师事务所管理的通知"
                    $0.documentNumber = "宁司发〔2025〕12号"
                    $0.context = Self.web
                })
            }
            #expect(corrected.status == "processing")
            // Twenty working days from 10-12, the day the corrected application arrived.
            let reply = try Self.deadline(corrected, "disclosure.reply")
            #expect(reply.state == .running)
            #expect(reply.dueDate == "2026-11-09")
            #expect(reply.pausedDays == 0)

            clock.set(beijing(2026, 11, 9))
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                let answered = try await Disclosure(wrapping: client).answer(.with {
                    $0.trackingNumber = number
                    $0.outcome = .alreadyPublic
                    $0.accessRoute = "该文件已在宁夏回族自治区司法厅门户网站“政府信息公开”栏目主动公开"
                    $0.context = Self.office
                })
                #expect(try Self.deadline(answered, "disclosure.reply").state == .met)
                #expect(answered.timeline.map(\.kind) == ["submitted", "correction_requested", "correction_supplied", "answered"])
            }
        }
    }

    @Test("第三十条：收到申请之日起7个工作日内告知补正——逾期不能再要求补正") func art30SevenWorkingDayCorrectionClock() async throws {
        try await Self.platform { platform, clock in
            let number = try await Self.submit(platform)
            clock.set(beijing(2026, 10, 9))
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                let matter = try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = number })
                let notice = try Self.deadline(matter, "disclosure.correction-notice")
                #expect(notice.dueDate == "2026-10-10" && notice.state == .dueSoon)
                #expect(notice.article == "《中华人民共和国政府信息公开条例》第三十条")
            }
            clock.set(beijing(2026, 10, 12))
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                let disclosure = Disclosure(wrapping: client)
                let overdue = try await Matters(wrapping: client).getMatter(.with { $0.trackingNumber = number })
                #expect(try Self.deadline(overdue, "disclosure.correction-notice").state == .overdue)
                let alerts = try await Deadlines(wrapping: client).listAlerts(.with { $0.businessLine = "disclosure" })
                #expect(alerts.alerts.contains { $0.ruleID == "disclosure.correction-notice" && $0.kind == .overdue })
                await expectStatus(.failedPrecondition, containing: ["7个工作日", "2026-10-10", "第三十条"]) {
                    _ = try await disclosure.requestCorrection(.with {
                        $0.trackingNumber = number
                        $0.corrections = ["信息的年度"]
                        $0.guidance = "请写明年度"
                        $0.correctionDays = 10
                        $0.context = Self.office
                    })
                }
                let accepted = try await disclosure.accept(.with {
                    $0.trackingNumber = number
                    $0.context = Self.office
                })
                #expect(try Self.deadline(accepted, "disclosure.correction-notice").state == .metLate)
                #expect(try Self.deadline(accepted, "disclosure.reply").dueDate == "2026-10-28")
            }
        }
    }

    @Test("第三十一条：邮寄申请以签收之日为收到申请之日，期限自该日计算") func art31PostedApplicationCountsFromTheDayItWasSignedFor() async throws {
        try await Self.platform { platform, clock in
            // Signed for on Wednesday 9/23, keyed in a week later: the same clocks as one filed on 9/23.
            clock.set(beijing(2026, 9, 30))
            var letter = DisclosureRulesTests.application()
            letter.context = Self.office
            letter.receiptMethod = .postSigned
            letter.receivedOn = "2026-09-23"
            let matter = try await platform.withInProcessClient(as: "disclosure-640104") { client in
                try await Disclosure(wrapping: client).submitRequest(letter).matter
            }
            #expect(try Self.deadline(matter, "disclosure.correction-notice").dueDate == "2026-10-10")
            #expect(try Self.deadline(matter, "disclosure.reply").dueDate == "2026-10-28")
            #expect(matter.timeline.first?.attributes["receipt_method"] == "post_signed")
            // The applicant cannot state a receipt when filing online.
            var online = DisclosureRulesTests.application()
            online.receiptMethod = .internetOrFax
            online.receivedOn = "2026-09-23"
            await expectStatus(.invalidArgument, field: "receipt_method") { _ = try await Self.submit(platform, online) }
        }
    }

    @Test("第三十二条、第三十三条第三款：征求第三方意见期间答复期限暂停") func art33Para3ThirdPartyPause() async throws {
        try await Self.platform { platform, clock in
            let number = try await Self.submit(platform)
            clock.set(beijing(2026, 9, 28))
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                let disclosure = Disclosure(wrapping: client)
                await expectStatus(.invalidArgument, field: "kind") {
                    _ = try await disclosure.consultThirdParty(.with {
                        $0.trackingNumber = number
                        $0.consultees = ["宁夏某律师事务所"]
                        $0.context = Self.office
                    })
                }
                let consulting = try await disclosure.consultThirdParty(.with {
                    $0.trackingNumber = number
                    $0.kind = .thirdParty
                    $0.consultees = ["宁夏某律师事务所"]
                    $0.note = "已寄送征求意见书"
                    $0.context = Self.office
                })
                #expect(consulting.status == "consulting")
                #expect(consulting.timeline.map(\.kind).suffix(2) == ["third_party_consulted", "clock_paused"])
                let reply = try Self.deadline(consulting, "disclosure.reply")
                #expect(reply.state == .paused)
                #expect(reply.pausedFor == "征求第三方和其他机关意见")
                #expect(try Self.deadline(consulting, "disclosure.correction-notice").state == .met)
                // No answer while the consultation is open.
                await expectStatus(.failedPrecondition) {
                    _ = try await disclosure.answer(.with {
                        $0.trackingNumber = number
                        $0.outcome = .notExist
                        $0.context = Self.office
                    })
                }
            }
            clock.set(beijing(2026, 10, 12))
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                let disclosure = Disclosure(wrapping: client)
                // Silence only after the third party's 15 working days (to 10-23).
                await expectStatus(.failedPrecondition, containing: ["15个工作日", "2026-10-23"]) {
                    _ = try await disclosure.recordThirdPartyOpinion(.with {
                        $0.trackingNumber = number
                        $0.opinion = .noReply
                        $0.context = Self.office
                    })
                }
                await expectStatus(.invalidArgument, field: "reasons") {
                    _ = try await disclosure.recordThirdPartyOpinion(.with {
                        $0.trackingNumber = number
                        $0.opinion = .objects
                        $0.context = Self.office
                    })
                }
                let replied = try await disclosure.recordThirdPartyOpinion(.with {
                    $0.trackingNumber = number
                    $0.opinion = .objects
                    $0.reasons = "涉及本所合伙人个人收入，属于个人隐私"
                    $0.context = Self.office
                })
                #expect(replied.status == "processing")
                let reply = try Self.deadline(replied, "disclosure.reply")
                // 9-28 … 10-11 not counted: 9/24, then 10/12 … 11/05.
                #expect(reply.state == .running && reply.pausedDays == 14 && reply.dueDate == "2026-11-05")

                // Art. 32: disclosing over the objection needs the public-interest reasons.
                await expectStatus(.invalidArgument, field: "reasons", containing: ["第三十二条"]) {
                    _ = try await disclosure.answer(.with {
                        $0.trackingNumber = number
                        $0.outcome = .disclosed
                        $0.accessRoute = "电子邮件发送"
                        $0.context = Self.office
                    })
                }
                // Art. 36 (3): withholding names its grounds and reasons.
                let missing = try await rpcError {
                    try await disclosure.answer(.with {
                        $0.trackingNumber = number
                        $0.outcome = .withheld
                        $0.context = Self.office
                    })
                }
                #expect(missing.code == .invalidArgument)
                let fields = try #require(try missing.unpackGoogleRPCStatus()).details.compactMap(\.badRequest).flatMap(\.violations).map(\.field)
                #expect(Set(fields) == ["reasons", "withhold_grounds"])
                let withheld = try await disclosure.answer(.with {
                    $0.trackingNumber = number
                    $0.outcome = .withheld
                    $0.withholdGrounds = [.thirdPartyRights]
                    $0.reasons = "所申请信息涉及第三方个人隐私，第三方不同意公开，公开会对第三方合法权益造成损害"
                    $0.context = Self.office
                })
                #expect(withheld.status == "answered")
                #expect(withheld.timeline.last?.attributes["withhold_grounds"] == "third_party_rights（第十五条）")
                #expect(try Self.deadline(withheld, "disclosure.reply").state == .met)
            }
        }
    }

    @Test("第三十三条第二款：经政府信息公开工作机构负责人同意延长一次，最长20个工作日") func art33Para2ExtensionByTheHead() async throws {
        try await Self.platform { platform, clock in
            let number = try await Self.submit(platform)
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                _ = try await Disclosure(wrapping: client).accept(.with {
                    $0.trackingNumber = number
                    $0.context = Self.office
                })
                // The office's staff may not extend: the head approves.
                await expectStatus(.permissionDenied) {
                    _ = try await Deadlines(wrapping: client).extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "disclosure.reply"
                        $0.days = 10
                        $0.reason = "需调取档案"
                        $0.context = Self.office
                    })
                }
            }
            clock.set(beijing(2026, 10, 20))
            try await platform.withInProcessClient(as: "disclosure-admin") { client in
                let deadlines = Deadlines(wrapping: client)
                await expectStatus(.invalidArgument, field: "days", containing: ["20个工作日", "第三十三条第二款"]) {
                    _ = try await deadlines.extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "disclosure.reply"
                        $0.days = 21
                        $0.reason = "需调取档案"
                        $0.context = Self.head
                    })
                }
                // The correction clock is met and cannot be extended at all.
                await expectStatus(.failedPrecondition) {
                    _ = try await deadlines.extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "disclosure.correction-notice"
                        $0.days = 5
                        $0.reason = "x"
                        $0.context = Self.head
                    })
                }
                let extended = try await deadlines.extendDeadline(.with {
                    $0.trackingNumber = number
                    $0.ruleID = "disclosure.reply"
                    $0.days = 20
                    $0.reason = "所需信息在档案室，需调取、核对，延长答复期限已告知申请人"
                    $0.context = Self.head
                })
                let reply = try Self.deadline(extended, "disclosure.reply")
                #expect(reply.dueDate == "2026-11-25")
                #expect(reply.period == "40个工作日")
                #expect(reply.extensions == 1)
                #expect(extended.timeline.last?.attributes["article"] == "《中华人民共和国政府信息公开条例》第三十三条第二款")
                await expectStatus(.failedPrecondition, containing: ["延长过1次"]) {
                    _ = try await deadlines.extendDeadline(.with {
                        $0.trackingNumber = number
                        $0.ruleID = "disclosure.reply"
                        $0.days = 1
                        $0.reason = "再次延长"
                        $0.context = Self.head
                    })
                }
            }
        }
    }

    @Test func refusalsNameTheFieldTheCallerAndTheMatter() async throws {
        try await Self.platform { platform, _ in
            // INVALID_ARGUMENT naming every bad field of the application at once.
            var bad = DisclosureRulesTests.application()
            bad.informationName = ""
            bad.delivery = .unspecified
            bad.applicant.phone = "12"
            let error = try await platform.withInProcessClient { client in try await rpcError { try await Disclosure(wrapping: client).submitRequest(bad) } }
            #expect(error.code == .invalidArgument)
            let fields = try #require(try error.unpackGoogleRPCStatus()).details.compactMap(\.badRequest).flatMap(\.violations).map(\.field)
            #expect(Set(fields) == ["applicant.phone", "description", "delivery"])
            // A division the platform does not serve.
            var elsewhere = DisclosureRulesTests.application()
            elsewhere.regionCode = "110105"
            try await platform.withInProcessClient { client in
                await expectStatus(.invalidArgument, field: "region_code") { _ = try await Disclosure(wrapping: client).submitRequest(elsewhere) }
            }

            let number = try await Self.submit(platform)
            let accept = Fawang_Disclosure_V1_AcceptRequest.with {
                $0.trackingNumber = number
                $0.context = Self.web
            }
            // A signed-in citizen takes no staff step.
            try await platform.withInProcessClient(as: "13951001234") { client in
                await expectStatus(.permissionDenied) { _ = try await Disclosure(wrapping: client).accept(accept) }
            }
            try await platform.withInProcessClient { client in
                await expectStatus(.unauthenticated) { _ = try await Disclosure(wrapping: client).accept(accept) }
            }
            // Staff of another line, and of another district, may not either.
            try await platform.withInProcessClient(as: "mediation-640104") { client in
                await expectStatus(.permissionDenied) { _ = try await Disclosure(wrapping: client).accept(accept) }
            }
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                let disclosure = Disclosure(wrapping: client)
                // NOT_FOUND: a well-formed number of no matter.
                var unknown = accept
                unknown.trackingNumber = TrackingNumber.random().formatted
                await expectStatus(.notFound) { _ = try await disclosure.accept(unknown) }
                // The answer's own fields.
                await expectStatus(.invalidArgument, field: "outcome") {
                    _ = try await disclosure.answer(.with {
                        $0.trackingNumber = number
                        $0.context = Self.office
                    })
                }
                await expectStatus(.invalidArgument, field: "access_route") {
                    _ = try await disclosure.answer(.with {
                        $0.trackingNumber = number
                        $0.outcome = .alreadyPublic
                        $0.context = Self.office
                    })
                }
                await expectStatus(.invalidArgument, field: "reasons") {
                    _ = try await disclosure.answer(.with {
                        $0.trackingNumber = number
                        $0.outcome = .notResponsible
                        $0.responsibleAgency = "银川市财政局"
                        $0.context = Self.office
                    })
                }
                await expectStatus(.invalidArgument, field: "withhold_grounds") {
                    _ = try await disclosure.answer(.with {
                        $0.trackingNumber = number
                        $0.outcome = .notExist
                        $0.withholdGrounds = [.stateSecret]
                        $0.context = Self.office
                    })
                }
                let notResponsible = try await disclosure.answer(.with {
                    $0.trackingNumber = number
                    $0.outcome = .notResponsible
                    $0.reasons = "所申请信息由财政部门制作和保存，不属于本机关负责公开"
                    $0.responsibleAgency = "银川市财政局"
                    $0.responsibleAgencyContact = "0951-0000000"
                    $0.context = Self.office
                })
                #expect(notResponsible.timeline.last?.attributes["responsible_agency"] == "银川市财政局")
                // Answered: nothing more.
                await expectStatus(.failedPrecondition) { _ = try await disclosure.accept(accept) }
            }
        }
    }

    @Test("第十二条、第十九条、第二十条、第二十四条、第四十九条：主动公开目录的发布、检索和查看") func catalogue() async throws {
        try await Self.platform { platform, _ in
            // The demo catalogue of 宁夏回族自治区司法厅, public to anyone.
            try await platform.withInProcessClient { client in
                let disclosure = Disclosure(wrapping: client)
                let all = try await disclosure.listCatalogue(.with { $0.regionCode = "640000" })
                #expect(all.totalSize == 5)
                #expect(all.items.allSatisfy { $0.publisher == "宁夏回族自治区司法厅" && $0.summary.contains("演示数据") })
                let reports = try await disclosure.listCatalogue(.with {
                    $0.regionCode = "640000"
                    $0.category = .annualReport
                })
                let report = try #require(reports.items.first)
                #expect(reports.totalSize == 1 && report.title == "宁夏回族自治区司法厅2025年政府信息公开工作年度报告")
                // Every category with the bureau's count, whatever the filter.
                #expect(reports.categories.count == 7 && reports.categories.map(\.count).reduce(0, +) == 5)
                #expect(reports.categories.first { $0.category == .annualReport }?.count == 1)
                #expect(reports.categories.first { $0.category == .annualReport }?.label == "政府信息公开工作年度报告")
                #expect(report.categoryLabel == "政府信息公开工作年度报告")
                #expect(try await disclosure.getItem(.with { $0.id = report.id }) == report)
                await expectStatus(.notFound) { _ = try await disclosure.getItem(.with { $0.id = "640000-2026-00099" }) }
                await expectStatus(.invalidArgument, field: "id") { _ = try await disclosure.getItem(.with { $0.id = "2026-1" }) }
                await expectStatus(.invalidArgument, field: "page_token") {
                    _ = try await disclosure.listCatalogue(.with { $0.pageToken = "abc" })
                }
                // Anyone may read; no one unsigned publishes.
                await expectStatus(.unauthenticated) { _ = try await disclosure.publishItem(Self.item()) }
            }
            try await platform.withInProcessClient(as: "13951001234") { client in
                await expectStatus(.permissionDenied) { _ = try await Disclosure(wrapping: client).publishItem(Self.item()) }
            }
            // The district's office may not publish in the region's catalogue, nor another line's staff in theirs.
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                await expectStatus(.permissionDenied) { _ = try await Disclosure(wrapping: client).publishItem(Self.item()) }
            }
            try await platform.withInProcessClient(as: "mediation-640100") { client in
                var city = Self.item()
                city.regionCode = "640100"
                await expectStatus(.permissionDenied) { _ = try await Disclosure(wrapping: client).publishItem(city) }
            }
            try await platform.withInProcessClient(as: "disclosure-admin") { client in
                let disclosure = Disclosure(wrapping: client)
                var future = Self.item()
                future.generatedOn = "2026-09-24"
                future.summary = ""
                let error = try await rpcError { try await disclosure.publishItem(future) }
                let fields = try #require(try error.unpackGoogleRPCStatus()).details.compactMap(\.badRequest).flatMap(\.violations).map(\.field)
                #expect(error.code == .invalidArgument && Set(fields) == ["generated_on", "summary"])

                let request = Self.item()
                let published = try await disclosure.publishItem(request)
                #expect(!published.replayed)
                // The 2026 items of 640000 are numbered 1–4 in the demo: this is the fifth.
                #expect(published.item.id == "640000-2026-00005")
                #expect(published.item.publishedOn == "2026-09-23")
                #expect(published.item.publisher == "宁夏回族自治区司法厅")
                let again = try await disclosure.publishItem(request)
                #expect(again.replayed && again.item == published.item)
                var other = request
                other.title = "另一条信息"
                await expectStatus(.alreadyExists) { _ = try await disclosure.publishItem(other) }
                var second = Self.item()
                second.category = .notice
                second.title = "关于开展2026年度法律援助案件质量评估的通知"
                #expect(try await disclosure.publishItem(second).item.id == "640000-2026-00006")
            }
            // Newest first, paged, filtered.
            try await platform.withInProcessClient { client in
                let disclosure = Disclosure(wrapping: client)
                let first = try await disclosure.listCatalogue(.with {
                    $0.regionCode = "640000"
                    $0.pageSize = 2
                })
                #expect(first.totalSize == 7)
                #expect(first.items.map(\.id) == ["640000-2026-00006", "640000-2026-00005"])
                #expect(first.nextPageToken == "2")
                var seen = first.items.map(\.id)
                var token = first.nextPageToken
                while !token.isEmpty {
                    let page = try await disclosure.listCatalogue(.with {
                        $0.regionCode = "640000"
                        $0.pageSize = 2
                        $0.pageToken = token
                    })
                    seen += page.items.map(\.id)
                    token = page.nextPageToken
                }
                #expect(seen.count == 7 && Set(seen).count == 7)
                let statistics = try await disclosure.listCatalogue(.with { $0.category = .statistics })
                #expect(statistics.items.map(\.id) == ["640000-2026-00005", "640000-2026-00003"])
                #expect(statistics.totalSize == 2)
            }
            // Withdrawn: out of the catalogue and its counts, its number not reused, the reason kept.
            let id = "640000-2026-00005"
            try await platform.withInProcessClient(as: "disclosure-640104") { client in
                await expectStatus(.permissionDenied) {
                    _ = try await Disclosure(wrapping: client).withdrawItem(.with {
                        $0.id = id
                        $0.reason = "误发"
                        $0.context = Self.office
                    })
                }
            }
            try await platform.withInProcessClient(as: "disclosure-admin") { client in
                let disclosure = Disclosure(wrapping: client)
                await expectStatus(.invalidArgument, field: "reason") {
                    _ = try await disclosure.withdrawItem(.with {
                        $0.id = id
                        $0.context = Self.head
                    })
                }
                await expectStatus(.notFound) {
                    _ = try await disclosure.withdrawItem(.with {
                        $0.id = "640000-2026-00099"
                        $0.reason = "误发"
                        $0.context = Self.head
                    })
                }
                let withdrawn = try await disclosure.withdrawItem(.with {
                    $0.id = id
                    $0.reason = "统计口径有误，更正后重新发布"
                    $0.context = Self.head
                })
                #expect(withdrawn.withdrawnOn == "2026-09-23" && withdrawn.withdrawalReason == "统计口径有误，更正后重新发布")
                await expectStatus(.failedPrecondition) {
                    _ = try await disclosure.withdrawItem(.with {
                        $0.id = id
                        $0.reason = "再次撤回"
                        $0.context = Self.head
                    })
                }
                var third = Self.item()
                third.title = "更正后的统计信息"
                #expect(try await disclosure.publishItem(third).item.id == "640000-2026-00007")
            }
            try await platform.withInProcessClient { client in
                let disclosure = Disclosure(wrapping: client)
                await expectStatus(.notFound, containing: ["撤回"]) { _ = try await disclosure.getItem(.with { $0.id = id }) }
                let statistics = try await disclosure.listCatalogue(.with { $0.category = .statistics })
                #expect(statistics.items.map(\.id) == ["640000-2026-00007", "640000-2026-00003"])
                #expect(statistics.categories.first { $0.category == .statistics }?.count == 2)
            }
        }
    }

    static func item() -> Fawang_Disclosure_V1_PublishItemRequest {
        .with {
            $0.requestID = UUID().uuidString
            $0.context = Self.head
            $0.regionCode = "640000"
            $0.category = .statistics
            $0.title = "2026年8月全区法律援助案件统计"
            $0.summary = "全区法律援助机构8月受理、办结法律援助案件情况"
            $0.body = "受理案件……件，办结……件。"
            $0.generatedOn = "2026-09-10"
        }
    }

    @Test("法律条文链接：每条期限规则引用的条文都能在法律法规库中查到") func everyCitedArticleResolves() async throws {
        try await Self.platform { platform, _ in
            try await platform.withInProcessClient { client in
                let laws = Fawang_Laws_V1_LawService.Client(wrapping: client)
                let expected: [(String, String)] = [
                    (DisclosureWorkflow.correctionDeadline.article, "7个工作日内一次性告知申请人作出补正"),
                    (DisclosureWorkflow.replyDeadline.article, "20个工作日内予以答复"),
                    (try #require(DisclosureWorkflow.replyDeadline.extensions).article, "延长的期限最长不得超过20个工作日"),
                    (DisclosureLaw.article("第三十三条第三款"), "征求第三方和其他机关意见所需时间不计算在前款规定的期限内"),
                ]
                for (citation, text) in expected {
                    let article = try await laws.getArticle(.with { $0.citation = citation })
                    #expect(article.lawTitle == "中华人民共和国政府信息公开条例", "\(citation)")
                    #expect(article.text.contains(text), "\(citation): \(article.text)")
                }
            }
        }
    }
}
