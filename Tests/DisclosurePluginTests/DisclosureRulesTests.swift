@testable import DisclosurePlugin
import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
import SwiftProtobuf
import Testing

/// The rules of 《中华人民共和国政府信息公开条例》 on their own: each deadline against the built-in
/// working-day calendar (over 中秋、国庆 2026: holidays 09-25..27 and 10-01..07, make-up working
/// days 09-20 and 10-10), and each refusal of the workflow through the step runner's guard.
@Suite struct DisclosureRulesTests {
    let calendar = WorkingDayCalendar.builtIn

    func event(_ kind: String, _ at: Date, _ sequence: Int, _ attributes: [String: String] = [:]) -> MatterEvent {
        MatterEvent(sequence: sequence, kind: kind, at: at, actor: "t", channel: .web, attributes: attributes)
    }

    func date(_ text: String) -> CivilDate { CivilDate(strictISO: text)! }

    /// The working days in (from, through], counted from the calendar data day by day: the
    /// independent check of the engine's dates.
    func workingDays(after from: String, through last: String) throws -> Int {
        var count = 0
        for number in (date(from).dayNumber + 1)...date(last).dayNumber where try #require(calendar.isWorkingDay(CivilDate(dayNumber: number)) as Bool?, "the calendar covers the day") {
            count += 1
        }
        return count
    }

    @Test("2026年国庆节、中秋节安排：10月1日至7日放假，10月10日（星期六）上班") func theCalendarHasNationalDay2026() throws {
        for day in 1...7 {
            #expect(calendar.isWorkingDay(CivilDate(year: 2026, month: 10, day: day)) == false)
        }
        #expect(calendar.holidayName(date("2026-10-01")) == "国庆节")
        #expect(calendar.isWorkingDay(date("2026-10-10")) == true)
        #expect(calendar.isWorkingDay(date("2026-09-25")) == false)
        // 9-24 … 10-10: 9/24, 9/28, 9/29, 9/30, 10/8, 10/9, 10/10.
        #expect(try workingDays(after: "2026-09-23", through: "2026-10-10") == 7)
    }

    @Test("第三十条：自收到申请之日起7个工作日内一次性告知补正（跨中秋、国庆）") func art30CorrectionNoticeWithinSevenWorkingDays() throws {
        let rule = DisclosureWorkflow.correctionDeadline
        #expect(rule.dayType == .working && rule.days == 7)
        #expect(rule.article == "《中华人民共和国政府信息公开条例》第三十条")
        let received = [event("submitted", beijing(2026, 9, 23), 1)]
        let status = try #require(rule.evaluate(timeline: received, now: beijing(2026, 9, 23), calendar: calendar))
        #expect(status.dueDate == date("2026-10-10"))
        #expect(try workingDays(after: "2026-09-23", through: "2026-10-10") == 7)
        #expect(status.summary.contains("7个工作日"))
        #expect(rule.evaluate(timeline: received, now: beijing(2026, 10, 10, hour: 23), calendar: calendar)?.state == .dueSoon)
        #expect(rule.evaluate(timeline: received, now: beijing(2026, 10, 11), calendar: calendar)?.state == .overdue)
        // Met by the notice, or by taking the application as clear.
        for kind in ["correction_requested", "accepted", "third_party_consulted", "answered"] {
            let met = received + [event(kind, beijing(2026, 10, 9), 2)]
            #expect(rule.evaluate(timeline: met, now: beijing(2026, 10, 20), calendar: calendar)?.state == .met, "\(kind)")
        }
    }

    @Test("第三十三条第二款：自收到申请之日起20个工作日内答复（跨中秋、国庆）") func art33ReplyWithinTwentyWorkingDays() throws {
        let rule = DisclosureWorkflow.replyDeadline
        #expect(rule.dayType == .working && rule.days == 20)
        #expect(rule.article == "《中华人民共和国政府信息公开条例》第三十三条第二款")
        let status = try #require(rule.evaluate(timeline: [event("submitted", beijing(2026, 9, 23), 1)], now: beijing(2026, 9, 23), calendar: calendar))
        #expect(status.dueDate == date("2026-10-28"))
        #expect(try workingDays(after: "2026-09-23", through: "2026-10-28") == 20)
        #expect(try workingDays(after: "2026-09-23", through: "2026-10-27") == 19)
        #expect(status.summary.contains("20个工作日"))
    }

    @Test("第三十条：补正的，答复期限自收到补正的申请之日起计算；等待补正期间不计算") func art30ReplyCountsFromTheCorrectedApplication() throws {
        let rule = DisclosureWorkflow.replyDeadline
        let asked = [event("submitted", beijing(2026, 9, 23), 1), event("correction_requested", beijing(2026, 9, 29), 2)]
        let waiting = try #require(rule.evaluate(timeline: asked, now: beijing(2026, 11, 20), calendar: calendar))
        #expect(waiting.state == .paused && waiting.dueDate == nil)
        let corrected = asked + [event("correction_supplied", beijing(2026, 10, 12), 3)]
        let status = try #require(rule.evaluate(timeline: corrected, now: beijing(2026, 10, 12), calendar: calendar))
        #expect(status.startDate == date("2026-10-12"))
        #expect(status.dueDate == date("2026-11-09"))
        #expect(try workingDays(after: "2026-10-12", through: "2026-11-09") == 20)
        // Abandoned for want of correction (Art. 30): not processed further, the period ends.
        let abandoned = asked + [event("abandoned", beijing(2026, 10, 30), 3)]
        #expect(rule.evaluate(timeline: abandoned, now: beijing(2026, 11, 20), calendar: calendar)?.state == .met)
    }

    @Test("第三十三条第三款：征求第三方和其他机关意见所需时间不计算在期限内") func art33Para3ConsultationTimeIsNotCounted() throws {
        let rule = DisclosureWorkflow.replyDeadline
        let reason = ["reason": DisclosureWorkflow.consultation.id]
        let consulting = [event("submitted", beijing(2026, 9, 23), 1), event(PlatformEvent.clockPaused, beijing(2026, 9, 28), 2, reason)]
        let paused = try #require(rule.evaluate(timeline: consulting, now: beijing(2026, 10, 9), calendar: calendar))
        #expect(paused.state == .paused)
        #expect(paused.pausedFor == "征求第三方和其他机关意见")
        // Stopped 9-28 … 10-11 (14 days): counted 9/24, then 10/12 … 11/05.
        let resumed = consulting + [event(PlatformEvent.clockResumed, beijing(2026, 10, 12), 3, reason)]
        let status = try #require(rule.evaluate(timeline: resumed, now: beijing(2026, 10, 12), calendar: calendar))
        #expect(status.pausedDays == 14)
        #expect(status.dueDate == date("2026-11-05"))
        #expect(try workingDays(after: "2026-09-23", through: "2026-11-05") - workingDays(after: "2026-09-27", through: "2026-10-11") == 20)
    }

    @Test("第三十三条第二款：经政府信息公开工作机构负责人同意，延长一次，最长不超过20个工作日") func art33Para2ExtensionOnceByTwentyWorkingDays() throws {
        let rule = DisclosureWorkflow.replyDeadline
        let policy = try #require(rule.extensions)
        #expect(policy == ExtensionPolicy(maxTimes: 1, maxDays: 20, article: "《中华人民共和国政府信息公开条例》第三十三条第二款"))
        let extended = [
            event("submitted", beijing(2026, 9, 23), 1),
            event(PlatformEvent.deadlineExtended, beijing(2026, 10, 20), 2, ["rule_id": rule.id, "days": "20"]),
        ]
        let status = try #require(rule.evaluate(timeline: extended, now: beijing(2026, 10, 20), calendar: calendar))
        #expect(status.dueDate == date("2026-11-25"))
        #expect(status.extensions == 1)
        #expect(status.summary.contains("40个工作日"))
        #expect(try workingDays(after: "2026-09-23", through: "2026-11-25") == 40)
    }

    @Test("第三十二条、第三十四条：被征求意见方15个工作日内提出意见") func opinionWindowIsFifteenWorkingDays() {
        // Consulted Monday 9-28: 9/29, 9/30, 10/8, 10/9, 10/10, 10/12–16, 10/19–23 → 10-23.
        #expect(DisclosureWorkflow.opinionWindowEnd(from: date("2026-09-28"), calendar: calendar) == date("2026-10-23"))
        // A correction period past the calendar's end is told by weekends only, never refused.
        #expect(DisclosureWorkflow.correctionDue(from: date("2026-12-28"), workingDays: 10, calendar: calendar) == date("2027-01-11"))
    }

    // MARK: The workflow through the step runner's guard

    static func matter(status: String, timeline: [(String, Date, [String: String])] = [("submitted", beijing(2026, 9, 23), [:])], details: DisclosureDetails = details()) -> Matter {
        let events = timeline.enumerated().map { index, item in
            MatterEvent(sequence: index + 1, kind: item.0, at: item.1, actor: "t", channel: .web, attributes: item.2)
        }
        return Matter(
            id: "m", trackingNumber: TrackingNumber.random(), businessLine: "disclosure", matterType: DisclosureWorkflow.matterType,
            status: status, applicant: Person(name: "马小花", idNumber: "", phone: "13951001234"), parties: [], regionCode: "640104",
            channel: .web, operatorID: "", submittedAt: beijing(2026, 9, 23), updatedAt: beijing(2026, 9, 23),
            details: DetailsCoding.encode(details), timeline: events)
    }

    static func details(consultations: [Consultation] = [], correction: CorrectionNotice? = nil) -> DisclosureDetails {
        DisclosureDetails(
            organizationName: "", information: InformationSought(name: "2025年法律援助经费使用情况", documentNumber: "", description: ""),
            provisionForm: .electronic, delivery: .email, email: "ma@example.com", needsAssistance: false, correction: correction,
            consultations: consultations)
    }

    func decide(_ command: DisclosureWorkflow.Command, _ matter: Matter, on day: Date) throws -> MatterChange {
        try LineSteps<DisclosureWorkflow>.decide(command, on: matter, StepContext(actor: "staff", channel: .walkIn, now: day, calendar: calendar))
    }

    static let correction = DisclosureWorkflow.Command.requestCorrection(.init(items: ["请写明所需信息的年度"], guidance: "可写明文件名称或者发文年度", days: 10))

    @Test("第三十条：一次性告知补正——只告知一次；补正期限按工作日计算") func art30CorrectionOnceOnly() throws {
        let change = try decide(Self.correction, Self.matter(status: "submitted"), on: beijing(2026, 9, 29))
        #expect(change.newStatus == "awaiting_correction")
        // 10 working days from 9-29: 9/30, 10/8, 10/9, 10/10, 10/12–16, 10/19 → 10-19.
        #expect(change.events.first?.attributes["correction_due"] == "2026-10-19")
        let asked = Self.matter(status: "submitted", timeline: [("submitted", beijing(2026, 9, 23), [:]), ("correction_requested", beijing(2026, 9, 29), [:])])
        expectError(.failedPrecondition, containing: ["一次性告知过补正", "第三十条"]) { _ = try decide(Self.correction, asked, on: beijing(2026, 9, 30)) }
    }

    @Test("第三十条：收到申请超过7个工作日的，不能再要求补正") func art30NoCorrectionAfterSevenWorkingDays() throws {
        let matter = Self.matter(status: "submitted")
        _ = try decide(Self.correction, matter, on: beijing(2026, 10, 10, hour: 20))
        expectError(.failedPrecondition, containing: ["7个工作日", "2026-10-10"]) { _ = try decide(Self.correction, matter, on: beijing(2026, 10, 12)) }
    }

    @Test("第三十条：逾期不补正的视为放弃申请——补正期限届满前不能") func art30AbandonedOnlyAfterTheCorrectionPeriod() throws {
        let notice = CorrectionNotice(items: ["年度"], guidance: "g", days: 10, due: "2026-10-19")
        let matter = Self.matter(
            status: "awaiting_correction", timeline: [("submitted", beijing(2026, 9, 23), [:]), ("correction_requested", beijing(2026, 9, 29), [:])],
            details: Self.details(correction: notice))
        expectError(.failedPrecondition, containing: ["2026-10-19"]) { _ = try decide(.closeAbandoned(note: ""), matter, on: beijing(2026, 10, 19)) }
        #expect(try decide(.closeAbandoned(note: "逾期未补正"), matter, on: beijing(2026, 10, 20)).newStatus == "abandoned")
        // The corrected application replaces the description; the first one is kept.
        let corrected = try decide(.supplyCorrection(InformationSought(name: "", documentNumber: "宁司发〔2025〕3号", description: "")), matter, on: beijing(2026, 10, 12))
        #expect(corrected.newStatus == "processing")
        let details = try JSONDecoder().decode(DisclosureDetails.self, from: try #require(corrected.details))
        #expect(details.information.documentNumber == "宁司发〔2025〕3号" && details.originalInformation?.name == "2025年法律援助经费使用情况")
    }

    @Test("第三十三条第三款：征求意见时答复期限停止计算，记录意见后恢复") func art33Para3ConsultationStopsAndRestartsTheClock() throws {
        let consult = try decide(.consult(kind: .thirdParty, consultees: ["宁夏某律师事务所"], note: "书面征求意见"), Self.matter(status: "processing"), on: beijing(2026, 9, 28))
        #expect(consult.newStatus == "consulting")
        #expect(consult.events.map(\.kind) == ["third_party_consulted", PlatformEvent.clockPaused])
        #expect(consult.events.last?.attributes["reason"] == "third_party_consultation")
        let consulting = Self.matter(
            status: "consulting",
            timeline: [("submitted", beijing(2026, 9, 23), [:]), ("third_party_consulted", beijing(2026, 9, 28), [:]),
                       (PlatformEvent.clockPaused, beijing(2026, 9, 28), ["reason": "third_party_consultation"])],
            details: Self.details(consultations: [Consultation(kind: .thirdParty, consultees: ["宁夏某律师事务所"], consultedOn: "2026-09-28")]))
        // Arts. 32, 34: silence only after 15 working days (to 10-23).
        expectError(.failedPrecondition, containing: ["15个工作日", "第三十二条"]) { _ = try decide(.recordOpinion(.noReply, reasons: ""), consulting, on: beijing(2026, 10, 23)) }
        let silent = try decide(.recordOpinion(.noReply, reasons: ""), consulting, on: beijing(2026, 10, 26))
        #expect(silent.newStatus == "processing")
        #expect(silent.events.map(\.kind) == ["third_party_replied", PlatformEvent.clockResumed])
        #expect(silent.events.first?.attributes["deemed_consent"] == nil)
        // Art. 34: another organ's silence is consent.
        var agency = consulting
        agency.details = DetailsCoding.encode(Self.details(consultations: [Consultation(kind: .agency, consultees: ["自治区财政厅"], consultedOn: "2026-09-28")]))
        #expect(try decide(.recordOpinion(.noReply, reasons: ""), agency, on: beijing(2026, 10, 26)).events.first?.attributes["deemed_consent"] == "true")
        // No answer while the consultation is open.
        expectError(.failedPrecondition) { _ = try decide(.answer(Answer(outcome: .notExist)), consulting, on: beijing(2026, 10, 12)) }
    }

    @Test("第十五条：第三方同意公开的，不能以损害第三方权益为由不予公开") func art15ThirdPartyConsentMeansDisclosure() throws {
        let consented = Self.matter(
            status: "processing",
            details: Self.details(consultations: [Consultation(kind: .thirdParty, consultees: ["甲公司"], consultedOn: "2026-09-28", opinion: .consents)]))
        expectError(.failedPrecondition, containing: ["第十五条"]) {
            _ = try decide(.answer(Answer(outcome: .withheld, grounds: [.thirdPartyRights], reasons: "涉及商业秘密")), consented, on: beijing(2026, 10, 12))
        }
        // Other grounds remain open.
        #expect(try decide(.answer(Answer(outcome: .withheld, grounds: [.processInformation], reasons: "过程性信息")), consented, on: beijing(2026, 10, 12)).newStatus == "answered")
    }

    @Test("第三十二条：第三方不同意公开而决定公开的，应当说明理由并书面告知第三方") func art32DisclosingOverAnObjectionNeedsReasons() throws {
        let objected = Self.matter(
            status: "processing",
            details: Self.details(consultations: [Consultation(kind: .thirdParty, consultees: ["甲公司"], consultedOn: "2026-09-28", opinion: .objects, reasons: "商业秘密")]))
        expectError(.invalidArgument, field: "reasons", containing: ["第三十二条"]) {
            _ = try decide(.answer(Answer(outcome: .disclosed, accessRoute: "电子邮件发送")), objected, on: beijing(2026, 10, 12))
        }
        let answered = try decide(.answer(Answer(outcome: .disclosed, accessRoute: "电子邮件发送", reasons: "涉及公共资金使用，不公开可能对公共利益造成重大影响")), objected, on: beijing(2026, 10, 12))
        #expect(answered.events.first?.attributes["outcome"] == "disclosed")
    }

    @Test func otherLinesAreNotTouched() {
        var matter = Self.matter(status: "submitted")
        matter.businessLine = "consultation"
        expectError(.notFound, containing: ["不是政府信息公开事项"]) { _ = try decide(.accept(note: ""), matter, on: beijing(2026, 9, 24)) }
    }

    // MARK: The application (Art. 29)

    static func application() -> Fawang_Disclosure_V1_SubmitRequestRequest {
        .with {
            $0.requestID = UUID().uuidString
            $0.context.channel = .web
            $0.applicant.name = "马小花"
            $0.applicant.idNumber = "11010519491231002X"
            $0.applicant.phone = "13951001234"
            $0.applicant.address = "银川市兴庆区解放东街1号"
            $0.regionCode = "640104"
            $0.informationName = "2025年兴庆区法律援助经费使用情况"
            $0.provisionForm = .electronic
            $0.delivery = .email
            $0.email = "maxiaohua@example.com"
        }
    }

    @Test("第二十九条：申请内容——每个有误的字段一次列明") func art29EveryBadFieldIsNamedAtOnce() {
        var request = Self.application()
        request.requestID = ""
        request.applicant.idNumber = "110105194912310021"
        request.applicant.phone = "123"
        request.regionCode = "64"
        request.informationName = ""
        request.provisionForm = .unspecified
        request.delivery = .post
        request.applicant.address = ""
        request.email = "not-an-address"
        do {
            _ = try DisclosureApplication.validate(request, today: Self.today, keyedByOffice: false)
            Issue.record("an application with eight bad fields was accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(Set(error.violations.map(\.field)) == [
                "request_id", "applicant.id_number", "applicant.phone", "region_code", "description", "provision_form", "applicant.address", "email",
            ])
        }
        var email = Self.application()
        email.email = ""
        expectError(.invalidArgument, field: "email") { _ = try DisclosureApplication.validate(email, today: Self.today, keyedByOffice: false) }
        // Any one of name, document number and description will do (Art. 29 para. 2 (2)).
        var numberOnly = Self.application()
        numberOnly.informationName = ""
        numberOnly.documentNumber = "宁司发〔2025〕12号"
        #expect(throws: Never.self) { _ = try DisclosureApplication.validate(numberOnly, today: Self.today, keyedByOffice: false) }
    }

    static let today = CivilDate(year: 2026, month: 9, day: 30)

    @Test("第三十一条：邮寄、传真等方式收到的申请，由工作机构登记签收或者确认之日") func art31ReceiptIsRecordedByTheOfficeOnly() throws {
        var letter = Self.application()
        letter.receiptMethod = .postSigned
        letter.receivedOn = "2026-09-23"
        let (_, _, details) = try DisclosureApplication.validate(letter, today: Self.today, keyedByOffice: true)
        #expect(details.receipt == Receipt(method: .postSigned, receivedOn: "2026-09-23"))
        // An application filed here is received the day it is filed: a citizen cannot back-date it.
        expectError(.invalidArgument, field: "receipt_method") { _ = try DisclosureApplication.validate(letter, today: Self.today, keyedByOffice: false) }
        var noMethod = Self.application()
        noMethod.receivedOn = "2026-09-23"
        expectError(.invalidArgument, field: "received_on") { _ = try DisclosureApplication.validate(noMethod, today: Self.today, keyedByOffice: true) }
        for day in ["", "2026-10-01", "2025-09-29", "23/09/2026"] {
            var bad = letter
            bad.receivedOn = day
            expectError(.invalidArgument, field: "received_on") { _ = try DisclosureApplication.validate(bad, today: Self.today, keyedByOffice: true) }
        }
    }
}
