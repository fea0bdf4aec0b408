import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
@testable import NotarizationPlugin
import Testing

/// The notarization state machine and its clock on their own (公证法 第二十五条至第三十一条、
/// 第三十九条), no server.
@Suite struct NotarizationWorkflowTests {
    static let office = OfficeAssignment(officeID: "np-640104-1", name: "银川市兴庆公证处（演示）", regionCode: "640104", certificatePrefix: "宁银兴")

    func details(eligible: Bool = false) -> NotarizationDetails {
        NotarizationDetails(
            kind: .education, placeBasis: .domicile, involvesImmovable: false, purpose: "出国留学", description: "",
            materials: ["申请人身份证明", "学历证书"], legalAidEligible: eligible)
    }

    func matter(status: String, events: [String] = ["submitted"], details: NotarizationDetails? = nil, region: String = "640104") -> Matter {
        Matter(
            id: "m", trackingNumber: .random(), businessLine: "notarization", matterType: NotarizationWorkflow.matterType,
            status: status, applicant: Person(name: "a", idNumber: "", phone: "13951001234"), parties: [],
            regionCode: region, channel: .web, operatorID: "", submittedAt: Date(), updatedAt: Date(),
            details: DetailsCoding.encode(details ?? self.details()),
            timeline: events.enumerated().map { MatterEvent(sequence: $0.offset + 1, kind: $0.element, at: Date(), actor: "x", channel: .web) })
    }

    func decide(_ command: NotarizationWorkflow.Command, _ matter: Matter) throws -> MatterChange {
        // Through the step runner's guard, as the service takes every step.
        try LineSteps<NotarizationWorkflow>.decide(command, on: matter, StepContext(actor: "staff-1", channel: .walkIn, now: Date()))
    }

    func accept(_ office: OfficeAssignment = Self.office, waive: Bool = false) -> NotarizationWorkflow.Command {
        .accept(office: office, notaryName: "李公证员", legalNotice: "已告知学历公证的法律意义和可能产生的法律后果", feeYuan: 80, waiveFee: waive)
    }

    func stored(_ change: MatterChange) throws -> NotarizationDetails {
        try JSONDecoder().decode(NotarizationDetails.self, from: try #require(change.details))
    }

    @Test("公证法第二十七条第二款：受理时记录告知内容、承办公证员和收费")
    func acceptRecordsNoticeOfficeAndFee() throws {
        let change = try decide(accept(), matter(status: "submitted"))
        #expect(change.newStatus == "accepted")
        #expect(change.events.map(\.kind) == ["accepted"])
        #expect(change.events.first?.note == "已告知学历公证的法律意义和可能产生的法律后果")
        #expect(change.events.first?.attributes["office_id"] == "np-640104-1")
        let details = try stored(change)
        #expect(details.office == Self.office)
        #expect(details.feeYuan == 80)
        #expect(details.notaryName == "李公证员")
    }

    @Test("公证法第二十五条：申请地所在市以外的公证机构不能受理")
    func art25OfficeMustServeThePlace() throws {
        let shizuishan = OfficeAssignment(officeID: "np-640200-1", name: "石嘴山市公证处（演示）", regionCode: "640200", certificatePrefix: "宁石")
        expectError(.failedPrecondition, containing: ["第二十五条"]) { _ = try decide(accept(shizuishan), matter(status: "submitted")) }
        // The city office serves its districts.
        let city = OfficeAssignment(officeID: "np-640100-1", name: "银川市第一公证处（演示）", regionCode: "640100", certificatePrefix: "宁银")
        #expect(try decide(accept(city), matter(status: "submitted", region: "640105")).newStatus == "accepted")
    }

    @Test("公证法第三十四条第二款：符合法律援助条件的减免公证费，其他申请人不能减免")
    func art34FeeWaiver() throws {
        expectError(.failedPrecondition, containing: ["第三十四条第二款"]) { _ = try decide(accept(waive: true), matter(status: "submitted")) }
        let change = try decide(accept(waive: true), matter(status: "submitted", details: details(eligible: true)))
        #expect(try stored(change).feeYuan == 0)
        #expect(try stored(change).feeWaived)
        #expect(change.events.first?.attributes["fee_waived"] == "第三十四条第二款")
    }

    @Test("公证法第二十七条第一款：要求补充证明材料，补充后恢复审查")
    func art27SupplementaryMaterials() throws {
        let change = try decide(.requestMaterials(missing: ["毕业证书认证报告"], note: "请补充"), matter(status: "accepted", events: ["submitted", "accepted"]))
        #expect(change.newStatus == "awaiting_materials")
        #expect(change.events.first?.attributes["missing_materials"] == "毕业证书认证报告")
        expectError(.failedPrecondition) { _ = try decide(.issue(year: 2026, serial: 1, note: ""), matter(status: "awaiting_materials")) }
        let supplied = try decide(.supplyMaterials(["毕业证书认证报告"]), matter(status: "awaiting_materials", details: try stored(change)))
        #expect(supplied.newStatus == "accepted")
        #expect(try stored(supplied).missingMaterials == [])
        #expect(try stored(supplied).materials.contains("毕业证书认证报告"))
    }

    @Test("公证法第三十条：审查后出具公证书并记录公证书编号，登记簿条目与出具同一事务写入")
    func art30IssueRecordsTheNumber() throws {
        let number = NotarizationWorkflow.certificateNumber(prefix: "宁银兴", year: 2026, serial: 7)
        #expect(number == "（2026）宁银兴证字第7号")
        var accepted = details()
        accepted.office = Self.office
        let change = try decide(.issue(year: 2026, serial: 7, note: ""), matter(status: "accepted", details: accepted))
        #expect(change.newStatus == "issued")
        #expect(change.events.first?.attributes["certificate_number"] == number)
        #expect(try stored(change).certificateNumber == number)
        // The register entry is part of the step (MatterChange.moduleStatements), not a write of its own.
        #expect(change.moduleStatements == [SQLStatement(
            "INSERT INTO notarization_certificates (number, matter_id, office_id, year, serial) VALUES (?, ?, ?, ?, ?)",
            [.text(number), .text("m"), .text("np-640104-1"), .integer(2026), .integer(7)])])
        expectError(.failedPrecondition, containing: ["不能出具公证书"]) { _ = try decide(.issue(year: 2026, serial: 7, note: ""), matter(status: "submitted", details: accepted)) }
        // Steps other than issuing write nothing to the register.
        #expect(try decide(accept(), matter(status: "submitted")).moduleStatements.isEmpty)
    }

    @Test("公证法第三十条：核实期间又要求补充材料的，两段中止合并计算，全部恢复后才继续计算")
    func art30MaterialsRequestedWhileStoppedForVerification() throws {
        let stopped = [
            event(1, "submitted", beijing(2026, 9, 24, hour: 9)), event(2, "accepted", beijing(2026, 9, 24)),
            event(3, "clock_paused", beijing(2026, 10, 12), ["reason": "verification"]),
        ]
        var paused = matter(status: "accepted")
        paused.timeline = stopped
        #expect(try decide(.requestMaterials(missing: ["学历认证报告"], note: ""), paused).newStatus == "awaiting_materials")
        // Verification 10/12 → 10/14, materials 10/13 → 10/16: one stop, 10/12–10/15 (four working days).
        let timeline = stopped + [
            event(4, "materials_requested", beijing(2026, 10, 13)), event(5, "clock_resumed", beijing(2026, 10, 14), ["reason": "verification"]),
            event(6, "materials_supplied", beijing(2026, 10, 16)),
        ]
        #expect(try certificateClock(Array(timeline.prefix(5)), now: beijing(2026, 10, 15)).state == .paused)
        #expect(try certificateClock(timeline, now: beijing(2026, 10, 16, hour: 11)).dueDate?.description == "2026-10-28")
    }

    @Test("公证法第三十一条：不予办理须列明法定情形及理由")
    func art31RefusalRecordsGrounds() throws {
        let change = try decide(.refuse(grounds: [.disputed, .insufficientMaterials], reasons: "继承人之间对遗产分割有争议"), matter(status: "awaiting_materials"))
        #expect(change.newStatus == "refused")
        #expect(change.events.first?.attributes["articles"] == "第三十一条第四项、第三十一条第六项")
        #expect(try stored(change).refusalGrounds == [.disputed, .insufficientMaterials])
        #expect {
            try decide(.refuse(grounds: [], reasons: "x"), matter(status: "accepted"))
        } throws: { error in
            (error as? FawangError)?.violations.map(\.field) == ["grounds"]
        }
        expectError(.failedPrecondition) { _ = try decide(.refuse(grounds: [.disputed], reasons: "x"), matter(status: "issued")) }
    }

    @Test("公证法第三十九条：复查后维持、更正或撤销公证书")
    func art39Review() throws {
        var issued = details()
        issued.certificateNumber = "（2026）宁银兴证字第1号"
        let requested = try decide(.requestReview(reasons: "出生日期有误"), matter(status: "issued", details: issued))
        #expect(requested.newStatus == "under_review")
        #expect(requested.events.first?.attributes["certificate_number"] == "（2026）宁银兴证字第1号")
        let underReview = matter(status: "under_review", details: try stored(requested))
        #expect(try decide(.decideReview(.corrected, explanation: "已更正出生日期"), underReview).newStatus == "issued")
        #expect(try decide(.decideReview(.upheld, explanation: "无误"), underReview).newStatus == "issued")
        let revoked = try decide(.decideReview(.revoked, explanation: "内容与事实不符"), underReview)
        #expect(revoked.newStatus == "revoked")
        #expect(revoked.events.first?.attributes["effect"]?.contains("自始无效") == true)
        #expect(try stored(revoked).reviews.last?.outcome == .revoked)
        expectError(.failedPrecondition) { _ = try decide(.requestReview(reasons: "x"), matter(status: "accepted")) }
    }

    @Test func otherBusinessLinesAreNotTouched() {
        var other = matter(status: "submitted")
        other.businessLine = "legal-aid"
        expectError(.notFound, containing: ["不是公证事项"]) { _ = try decide(accept(), other) }
    }

    // MARK: The Art. 30 clock

    func event(_ sequence: Int, _ kind: String, _ date: Date, _ attributes: [String: String] = [:]) -> MatterEvent {
        MatterEvent(sequence: sequence, kind: kind, at: date, actor: "s", channel: .walkIn, attributes: attributes)
    }

    func certificateClock(_ timeline: [MatterEvent], now: Date) throws -> DeadlineStatus {
        try #require(NotarizationWorkflow.certificateDeadline.evaluate(timeline: timeline, now: now, calendar: .builtIn))
    }

    @Test("公证法第三十条：受理之日起十五个工作日内出具公证书，跳过中秋、国庆假期并计入10月10日调休上班日")
    func art30FifteenWorkingDaysAcrossTheHolidays() throws {
        // Accepted Thu 2026-09-24. Not counted: 9/25–9/27 (中秋), 10/1–10/7 (国庆), weekends.
        // Counted: 9/28, 9/29, 9/30, 10/8, 10/9, 10/10 (调休上班, a Saturday), 10/12–10/16, 10/19–10/22.
        let timeline = [event(1, "submitted", beijing(2026, 9, 24, hour: 9)), event(2, "accepted", beijing(2026, 9, 24))]
        let status = try certificateClock(timeline, now: beijing(2026, 9, 24, hour: 11))
        let rule = NotarizationWorkflow.certificateDeadline
        #expect(rule.article == "《中华人民共和国公证法》第三十条")
        #expect(rule.dayType == .working)
        #expect(rule.days == 15)
        #expect(rule.extensions == nil)
        #expect(status.dueDate?.description == "2026-10-22")
        #expect(status.state == .running)
        // Without the make-up Saturday the limit would end a working day later.
        #expect(WorkingDayCalendar.builtIn.isWorkingDay(CivilDate(year: 2026, month: 10, day: 10)) == true)
        #expect(WorkingDayCalendar.builtIn.isWorkingDay(CivilDate(year: 2026, month: 9, day: 25)) == false)
        #expect(try certificateClock(timeline, now: beijing(2026, 10, 23)).state == .overdue)
        let met = timeline + [event(3, "issued", beijing(2026, 10, 22, hour: 16))]
        #expect(try certificateClock(met, now: beijing(2026, 10, 23)).state == .met)
    }

    @Test("公证法第三十条：补充证明材料的时间不计算在期限内")
    func art30SupplementingIsNotCounted() throws {
        let requested = [
            event(1, "submitted", beijing(2026, 9, 24, hour: 9)), event(2, "accepted", beijing(2026, 9, 24)),
            event(3, "materials_requested", beijing(2026, 9, 28)),
        ]
        let paused = try certificateClock(requested, now: beijing(2026, 10, 9))
        #expect(paused.state == .paused)
        #expect(paused.dueDate == nil)
        // Supplied on Mon 10/12: 9/28–10/11 is not counted, so the 15 days run 10/12–10/30.
        let supplied = requested + [event(4, "materials_supplied", beijing(2026, 10, 12))]
        let running = try certificateClock(supplied, now: beijing(2026, 10, 12, hour: 11))
        #expect(running.state == .running)
        #expect(running.pausedDays == 14)
        #expect(running.dueDate?.description == "2026-10-30")
    }

    @Test("公证法第三十条、第二十九条：核实有关情况和不可抗力所需时间不计算在期限内", arguments: ["verification", "force_majeure"])
    func art30VerificationAndForceMajeureAreNotCounted(_ reason: String) throws {
        let base = [event(1, "submitted", beijing(2026, 9, 24, hour: 9)), event(2, "accepted", beijing(2026, 9, 24))]
        let stopped = base + [event(3, "clock_paused", beijing(2026, 10, 12), ["reason": reason])]
        let paused = try certificateClock(stopped, now: beijing(2026, 10, 14))
        #expect(paused.state == .paused)
        #expect(paused.pausedFor == (reason == "verification" ? "核实" : "不可抗力"))
        // Stopped Mon 10/12 to Wed 10/14: two working days later than 10/22.
        let resumed = stopped + [event(4, "clock_resumed", beijing(2026, 10, 14), ["reason": reason])]
        #expect(try certificateClock(resumed, now: beijing(2026, 10, 14, hour: 11)).dueDate?.description == "2026-10-26")
    }

    @Test("公证法第三十条：其他事由（如听证）不中止出具公证书的期限")
    func art30OtherReasonsDoNotStopTheClock() throws {
        let timeline = [
            event(1, "submitted", beijing(2026, 9, 24, hour: 9)), event(2, "accepted", beijing(2026, 9, 24)),
            event(3, "clock_paused", beijing(2026, 10, 12), ["reason": "hearing"]),
        ]
        let status = try certificateClock(timeline, now: beijing(2026, 10, 13))
        #expect(status.state == .running)
        #expect(status.dueDate?.description == "2026-10-22")
    }

    @Test("公证法第三十条：不予办理也结束出具公证书的期限")
    func art30RefusalEndsTheClock() throws {
        let timeline = [
            event(1, "submitted", beijing(2026, 9, 24, hour: 9)), event(2, "accepted", beijing(2026, 9, 24)),
            event(3, "refused", beijing(2026, 9, 29)),
        ]
        #expect(try certificateClock(timeline, now: beijing(2026, 11, 30)).state == .met)
    }

    @Test("公证法第三十条：工作日历只到2026年底，跨入2027年的十五个工作日期限不作推测")
    func art30PastTheCalendarIsUncomputable() throws {
        let timeline = [event(1, "submitted", beijing(2026, 12, 18, hour: 9)), event(2, "accepted", beijing(2026, 12, 18))]
        let status = try certificateClock(timeline, now: beijing(2026, 12, 18, hour: 11))
        #expect(status.state == .uncomputable)
        #expect(status.dueDate == nil)
    }
}
