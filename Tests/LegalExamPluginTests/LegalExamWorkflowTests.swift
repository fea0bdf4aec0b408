import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
@testable import LegalExamPlugin
import Testing

/// The registration and certificate state machines on their own, no server.
@Suite struct LegalExamWorkflowTests {
    func registration(_ declaration: RegistrationDeclaration = LegalExamSamples.declaration(), status: String = "submitted") -> Matter {
        let details = RegistrationDetails(declaration: declaration, unmetAtSubmission: [])
        return matter(type: RegistrationWorkflow.matterType, status: status, details: DetailsCoding.encode(details), events: [("submitted", Date())])
    }

    func certificate(status: String = "submitted", events: [(String, Date)] = [("submitted", Date())]) -> Matter {
        let details = CertificateDetails(
            examYear: 2025, admissionTicket: "2025640104001", objectiveTenths: 2010, subjectiveTenths: 1185,
            certificateClass: "A", materials: [])
        return matter(type: CertificateWorkflow.matterType, status: status, details: DetailsCoding.encode(details), events: events)
    }

    func matter(type: String, status: String, details: Data, events: [(String, Date)]) -> Matter {
        Matter(
            id: "m", trackingNumber: TrackingNumber("5831 0472 9915 6203")!, businessLine: "legal-exam", matterType: type,
            status: status, applicant: Person(name: "马小花", idNumber: "11010519491231002X", phone: "13951001234"), parties: [],
            regionCode: "640104", channel: .web, operatorID: "", submittedAt: Date(), updatedAt: Date(), details: details,
            timeline: events.enumerated().map { MatterEvent(sequence: $0.offset + 1, kind: $0.element.0, at: $0.element.1, actor: "x", channel: .web) })
    }

    /// A registration step through the step runner's guard, as the service takes every step.
    func decide(_ command: RegistrationWorkflow.Command, on matter: Matter, actor: String = "s", channel: Channel = .walkIn) throws -> MatterChange {
        try LineSteps<RegistrationWorkflow>.decide(command, on: matter, StepContext(actor: actor, channel: channel, now: Date()))
    }

    /// A certificate step through the step runner's guard, taken at `now` with the shipped calendar.
    func decide(
        _ command: CertificateWorkflow.Command, on matter: Matter, actor: String = "p", channel: Channel = .walkIn, now: Date = Date()
    ) throws -> MatterChange {
        try LineSteps<CertificateWorkflow>.decide(command, on: matter, StepContext(actor: actor, channel: channel, now: now, calendar: .builtIn))
    }

    // MARK: Registration

    @Test("实施办法第九条（待确认）：符合条件的报名予以确认")
    func confirmEligible() throws {
        let change = try decide(.confirm(note: ""), on: registration(), actor: "staff-1")
        #expect(change.newStatus == "confirmed")
        #expect(change.events.map(\.kind) == ["confirmed"])
    }

    @Test("实施办法第十条第一项（待确认）：有不得报名情形的不能确认，错误指明该情形")
    func confirmRefusedForDisqualification() {
        var declaration = LegalExamSamples.declaration()
        declaration.disqualifications = [.intentionalCrime]
        #expect {
            try decide(.confirm(note: ""), on: registration(declaration))
        } throws: { error in
            let error = error as! FawangError
            return error.code == .failedPrecondition && error.message.contains("因故意犯罪受过刑事处罚") && error.message.contains("第十条第一项（待确认）")
        }
    }

    @Test("实施办法第十条（待确认）：不予确认时未列条件的，采用规则查明的条件")
    func refusalDefaultsToFoundConditions() throws {
        var declaration = LegalExamSamples.declaration()
        declaration.disqualifications = [.lawyerLicenceRevoked]
        let change = try decide(.refuse(conditions: [], note: ""), on: registration(declaration))
        #expect(change.newStatus == "refused")
        #expect(change.events.first?.attributes["unmet_conditions"] == "lawyer_licence_revoked")
        #expect(change.events.first?.note.contains("曾被吊销律师执业证书") == true)
        let details = try JSONDecoder().decode(RegistrationDetails.self, from: change.details!)
        #expect(details.refusedFor == [.lawyerLicenceRevoked])
    }

    @Test("实施办法第九条第三项（待确认）：申报符合但经核查品行不符的，工作人员列明条件后不予确认")
    func refusalOnStaffFinding() throws {
        let change = try decide(.refuse(conditions: [.conduct], note: "经核查存在严重违法记录"), on: registration())
        #expect(change.events.first?.attributes["unmet_conditions"] == "conduct")
        #expect(change.events.first?.note.hasSuffix("经核查存在严重违法记录") == true)
        // Without a named condition an eligible declaration cannot be refused.
        #expect {
            try decide(.refuse(conditions: [], note: ""), on: registration())
        } throws: { ($0 as! FawangError).violations.map(\.field) == ["unmet_conditions"] }
    }

    @Test func aDecidedRegistrationCannotBeDecidedAgain() {
        expectError(.failedPrecondition, containing: ["不予确认报名"]) {
            _ = try decide(.confirm(note: ""), on: registration(status: "refused"))
        }
    }

    // MARK: Certificate

    @Test("管理办法（待确认）：审核通过即授予资格并生成证书编号")
    func approvalIssuesCertificateNumber() throws {
        let change = try decide(.approve(note: ""), on: certificate())
        #expect(change.newStatus == "approved")
        #expect(change.events.first?.attributes["certificate_number"] == "A202564583104729915620")
        let details = try JSONDecoder().decode(CertificateDetails.self, from: change.details!)
        #expect(details.certificateNumber == "A202564583104729915620")
    }

    @Test("管理办法（待确认）：复核申请期限15日，自不予授予决定次日起算（民法典第二百零一条）")
    func appealLastDayCountsFromNextDay() {
        // Refused Monday 2026-06-01: days 06-02 … 06-16; 06-16 is a Tuesday.
        #expect(CertificateWorkflow.appealLastDay(refusedAt: beijingNoon(2026, 6, 1), calendar: .builtIn).description == "2026-06-16")
        #expect(CertificateWorkflow.appealFilingDays == 15)
    }

    @Test("民法典第二百零三条：复核申请期限末日为法定休假日的，顺延至休假日结束的次日")
    func appealLastDayRollsOverHolidays() {
        // Refused 2026-09-16: the 15th day is 2026-10-01, inside the 国庆节 holiday (10-01..10-07).
        #expect(CertificateWorkflow.appealLastDay(refusedAt: beijingNoon(2026, 9, 16), calendar: .builtIn).description == "2026-10-08")
    }

    @Test("管理办法（待确认）：复核申请须在期限内提出，逾期不予受理")
    func appealWindow() throws {
        let refused = certificate(status: "refused", events: [("submitted", beijingNoon(2026, 5, 20)), ("refused", beijingNoon(2026, 6, 1))])
        let onTime = try decide(.fileAppeal(grounds: "有新证据"), on: refused, actor: "applicant", channel: .web, now: beijingNoon(2026, 6, 16))
        #expect(onTime.newStatus == "appealed")
        #expect(onTime.events.first?.attributes["filing_last_day"] == "2026-06-16")
        #expect {
            try decide(.fileAppeal(grounds: "有新证据"), on: refused, actor: "applicant", channel: .web, now: beijingNoon(2026, 6, 17))
        } throws: { error in
            let error = error as! FawangError
            return error.code == .failedPrecondition && error.message.contains("2026-06-16") && error.message.contains("15日")
        }
    }

    @Test("管理办法（待确认）：复核可以撤销原决定并授予，或维持原决定")
    func appealDecisions() throws {
        let appealed = certificate(status: "appealed", events: [("submitted", Date()), ("refused", Date()), ("appeal_filed", Date())])
        let granted = try decide(.decideAppeal(grant: true, reasons: "原认定事实有误"), on: appealed)
        #expect(granted.newStatus == "approved")
        #expect(granted.events.map(\.kind) == ["appeal_granted"])
        #expect(granted.events.first?.attributes["certificate_number"]?.hasPrefix("A202564") == true)
        let upheld = try decide(.decideAppeal(grant: false, reasons: "维持"), on: appealed)
        #expect(upheld.newStatus == "refusal_upheld")
        #expect(CertificateWorkflow.machine.terminalStatuses == ["approved", "refusal_upheld"])
        // An appeal is only of a refusal.
        expectError(.failedPrecondition, containing: ["待审核"]) {
            _ = try decide(.fileAppeal(grounds: "x"), on: certificate(), actor: "applicant", channel: .web)
        }
    }

    @Test func eachWorkflowDecidesOnlyItsOwnMatters() {
        var registration = registration()
        expectError(.notFound, containing: ["不是法律职业资格申请事项"]) { _ = try decide(.approve(note: ""), on: registration) }
        expectError(.notFound, containing: ["不是法律职业资格考试报名事项"]) { _ = try decide(.confirm(note: ""), on: certificate()) }
        registration.businessLine = "legal-aid"
        expectError(.notFound, containing: ["不是法律职业资格考试报名事项"]) { _ = try decide(.confirm(note: ""), on: registration) }
    }

    @Test("管理办法（待确认）：审核20日、复核30日，依据待确认，天数可配置")
    func deadlineRulesAreToBeConfirmed() {
        let review = CertificateWorkflow.reviewDeadline
        #expect(review.days == 20 && review.dayType == .calendar && !review.articleConfirmed)
        #expect(review.article.contains("《法律职业资格管理办法》") && review.article.hasSuffix("（待确认）"))
        #expect(review.startsOn == ["submitted"] && review.metBy == ["approved", "refused"])
        let appeal = CertificateWorkflow.appealDeadline
        #expect(appeal.days == 30 && !appeal.articleConfirmed)
        #expect(appeal.startsOn == ["appeal_filed"] && appeal.metBy == ["appeal_granted", "appeal_upheld"])
    }

    @Test("管理办法（待确认）：审核期限从申请之日次日起算，第20日届满")
    func reviewDeadlineDueDate() throws {
        let submitted = certificate(events: [("submitted", beijingNoon(2026, 6, 1))])
        let status = try #require(CertificateWorkflow.reviewDeadline.evaluate(timeline: submitted.timeline, now: beijingNoon(2026, 6, 2), calendar: .builtIn))
        #expect(status.dueDate?.description == "2026-06-22")  // 06-21 is a Sunday (and 端午节): rolls to Monday
        #expect(status.summary.contains("依据待确认"))
    }

    @Test("管理办法（待确认）：资格授予和复核决定由自治区司法厅作出")
    func provincialReview() {
        let province = Principal(accountID: "p", displayName: "p", role: .departmentAdmin, regionCode: "640000", department: "legal-exam")
        let provinceStaff = Principal(accountID: "p2", displayName: "p", role: .staff, regionCode: "640000", department: "legal-exam")
        let city = Principal(accountID: "c", displayName: "c", role: .staff, regionCode: "640100", department: "legal-exam")
        let admin = Principal(accountID: "a", displayName: "a", role: .platformAdmin, regionCode: "640000")
        let citizen = Principal(accountID: "z", displayName: "z", role: .citizen, regionCode: "640000")
        #expect(throws: Never.self) { try ProvincialReview.check(province) }
        #expect(throws: Never.self) { try ProvincialReview.check(provinceStaff) }
        #expect(throws: Never.self) { try ProvincialReview.check(admin) }
        #expect { try ProvincialReview.check(city) } throws: { ($0 as! FawangError).code == .permissionDenied }
        #expect { try ProvincialReview.check(citizen) } throws: { ($0 as! FawangError).code == .permissionDenied }
        #expect { try ProvincialReview.check(nil) } throws: { ($0 as! FawangError).code == .unauthenticated }
    }
}
