import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
import Foundation
@testable import LawyersPlugin
import Testing

/// The two-stage licensing (律师法 第六条、第十八条) and complaints (第四十七条至第五十条), no server.
@Suite struct LawyersWorkflowTests {
    func july(_ day: Int) -> Date { LawyersSamples.july(day) }

    func event(_ kind: String, _ day: Int) -> MatterEvent {
        MatterEvent(sequence: 0, kind: kind, at: july(day), actor: "x", channel: .walkIn)
    }

    func licence(_ status: String, firm: Bool = false) -> Matter {
        let details = firm
            ? LicenceDetails(firm: FirmApplication(firmName: "某所", address: "a", kind: .partnership, founderLicenceNumbers: [], assetsYuan: 1, phone: ""), materials: [])
            : LicenceDetails(practice: PracticeApplication(qualificationCertificateNumber: "q", internshipMonths: 12, firmLicenceNumber: "f", firmName: "n", partTime: false, specialties: []), materials: [])
        return Matter(
            id: "m", trackingNumber: .random(), businessLine: "lawyers", matterType: firm ? LawyersWorkflow.firmType : LawyersWorkflow.practiceType,
            status: status, applicant: Person(name: "a", idNumber: "", phone: "13951001234"), parties: [], regionCode: "640100",
            channel: .walkIn, operatorID: "", submittedAt: july(1), updatedAt: july(1), details: DetailsCoding.encode(details),
            timeline: [MatterEvent(sequence: 1, kind: "submitted", at: july(1), actor: "x", channel: .walkIn)])
    }

    func complaint(_ status: String, subject: SubjectKind = .lawyer) -> Matter {
        var matter = licence(status)
        matter.matterType = LawyersWorkflow.complaintType
        matter.details = DetailsCoding.encode(ComplaintDetails(subjectKind: subject, subjectLicenceNumber: "16401202410000005", subjectName: "杨帆", facts: "f", materials: []))
        return matter
    }

    func decide(_ command: LawyersWorkflow.Command, _ matter: Matter, by region: String?) throws -> MatterChange {
        // Through the step runner's guard, as the service takes every step.
        try LineSteps<LawyersWorkflow>.decide(command, on: matter, StepContext(actor: "s", channel: .walkIn, callerRegion: region, now: july(2)))
    }

    @Test("律师法第六条: the city accepts and forwards; the province decides")
    func stages() throws {
        #expect(try decide(.accept(note: ""), licence("submitted"), by: "640100").newStatus == "city_review")
        let forwarded = try decide(.forward(opinion: "符合条件", recommendGrant: true), licence("city_review"), by: "640100")
        #expect(forwarded.newStatus == "province_review")
        #expect(forwarded.events.first?.attributes["recommendation"] == "grant")
        let granted = try decide(.grant(note: ""), licence("province_review"), by: "640000")
        #expect(granted.newStatus == "granted")
        let number = try #require(granted.events.first?.attributes["licence_number"])
        #expect(number.hasPrefix("164012026") && number.count == 25)
        #expect(try decide(.grant(note: ""), licence("province_review", firm: true), by: "640000").events.first?.attributes["licence_number"]?.hasPrefix("364012026") == true)
    }

    @Test("律师法第六条、第十八条: the city cannot decide at the province's stage", arguments: [false, true])
    func cityCannotDecide(_ firm: Bool) {
        let atProvince = licence("province_review", firm: firm)
        expectError(.permissionDenied, containing: [firm ? "第十八条" : "第六条"]) { _ = try decide(.grant(note: ""), atProvince, by: "640100") }
        expectError(.permissionDenied) { _ = try decide(.refuse(firm ? .firmConditionsNotMet : .criminalPunishment, reasons: "r"), atProvince, by: "640104") }
        // …and the province cannot decide before the city's review is forwarded.
        expectError(.failedPrecondition) { _ = try decide(.grant(note: ""), licence("city_review", firm: firm), by: "640000") }
    }

    @Test("律师法第六条、第十八条: the province cannot accept or review at the city's stage and forward the file to itself", arguments: [false, true])
    func provinceCannotTakeTheCityStage(_ firm: Bool) {
        expectError(.permissionDenied, containing: [firm ? "第十八条" : "第六条"]) { _ = try decide(.accept(note: ""), licence("submitted", firm: firm), by: "640000") }
        expectError(.permissionDenied) { _ = try decide(.forward(opinion: "符合条件", recommendGrant: true), licence("city_review", firm: firm), by: "640000") }
    }

    @Test("律师法第七条: a practice refusal states an Art. 7 (or Art. 5) ground; a firm refusal Arts. 14–16")
    func refusalGrounds() throws {
        let refused = try decide(.refuse(.criminalPunishment, reasons: "曾因故意犯罪受过刑事处罚"), licence("province_review"), by: "640000")
        #expect(refused.newStatus == "refused")
        #expect(refused.events.first?.attributes["ground"] == "criminal_punishment")
        expectError(.invalidArgument, field: "ground", containing: ["第七条"]) { _ = try decide(.refuse(.firmConditionsNotMet, reasons: "r"), licence("province_review"), by: "640000") }
        expectError(.invalidArgument, field: "ground", containing: ["第十四条至第十六条"]) { _ = try decide(.refuse(.noCivilCapacity, reasons: "r"), licence("province_review", firm: true), by: "640000") }
    }

    @Test("律师法第四十九条、第五十条: revocation is the province's; the city suspends")
    func revocationByProvince() throws {
        let revoke = Penalty(article: .art49, kind: .revocation, suspensionMonths: 0, fineYuan: 0, confiscation: false)
        expectError(.permissionDenied, containing: ["第四十九条"]) { _ = try decide(.discipline(findings: "f", revoke), complaint("investigating"), by: "640100") }
        #expect(try decide(.discipline(findings: "f", revoke), complaint("investigating"), by: "640000").newStatus == "disciplined")
        let suspend = Penalty(article: .art48, kind: .suspension, suspensionMonths: 4, fineYuan: 8_000, confiscation: false)
        let change = try decide(.discipline(findings: "私自收费", suspend), complaint("investigating"), by: "640100")
        #expect(change.events.first?.attributes["article"] == "《中华人民共和国律师法》第四十八条")
        #expect(change.events.first?.attributes["penalty"] == "停止执业4个月，罚款8000元")
        #expect(try decide(.findNoViolation(findings: "查无实据"), complaint("investigating"), by: "640100").newStatus == "no_violation")
        expectError(.failedPrecondition) { _ = try decide(.findNoViolation(findings: "x"), complaint("registered"), by: "640100") }
        expectError(.failedPrecondition, containing: ["投诉事项不能办理执业许可操作"]) { _ = try decide(.grant(note: ""), complaint("investigating"), by: "640000") }
    }

    @Test func otherLinesAndTypesAreNotTouched() {
        var other = licence("submitted")
        other.businessLine = "notarization"
        expectError(.notFound, containing: ["不是律师管理事项"]) { _ = try decide(.accept(note: ""), other, by: "640100") }
        var unknown = licence("submitted")
        unknown.matterType = "lawyers.something-else"
        expectError(.notFound, containing: ["不是律师管理事项"]) { _ = try decide(.accept(note: ""), unknown, by: "640100") }
    }

    func status(_ rule: DeadlineRule, _ events: [MatterEvent], on day: Int) throws -> DeadlineStatus {
        let timeline = events.enumerated().map { index, event in
            var numbered = event
            numbered.sequence = index + 1
            return numbered
        }
        return try #require(rule.evaluate(timeline: timeline, now: july(day), calendar: .builtIn))
    }

    @Test("律师法第六条: the city reviews within 20 days of acceptance, the province decides within 10 days of receipt")
    func art6Deadlines() throws {
        let (city, province) = (LawyersWorkflow.practiceDeadlines[0], LawyersWorkflow.practiceDeadlines[1])
        #expect(city.article == "《中华人民共和国律师法》第六条" && city.days == 20 && city.extensions == nil)
        #expect(province.article == "《中华人民共和国律师法》第六条" && province.days == 10 && province.extensions == nil)
        let accepted = [event("submitted", 1), event("accepted", 1)]
        #expect(try status(city, accepted, on: 2).dueDate?.description == "2026-07-21")
        #expect(try status(city, accepted, on: 22).state == .overdue)
        #expect(province.evaluate(timeline: accepted, now: july(2), calendar: .builtIn) == nil)
        let forwarded = accepted + [event("forwarded", 6)]
        #expect(try status(city, forwarded, on: 6).state == .met)
        #expect(try status(province, forwarded, on: 6).dueDate?.description == "2026-07-16")
        #expect(try status(province, forwarded + [event("refused", 17)], on: 17).state == .metLate)
    }

    @Test("律师法第十八条: the same two stages for a law firm's establishment")
    func art18Deadlines() throws {
        let (city, province) = (LawyersWorkflow.firmDeadlines[0], LawyersWorkflow.firmDeadlines[1])
        #expect(city.article == "《中华人民共和国律师法》第十八条" && city.days == 20)
        #expect(province.article == "《中华人民共和国律师法》第十八条" && province.days == 10)
        // Forwarded Friday 10 July: ten days end on Monday 20 July.
        let forwarded = [event("submitted", 1), event("accepted", 3), event("forwarded", 10)]
        #expect(try status(city, forwarded, on: 10).dueDate?.description == "2026-07-23")
        #expect(try status(province, forwarded, on: 10).dueDate?.description == "2026-07-20")
        #expect(try status(province, forwarded + [event("granted", 20)], on: 20).state == .met)
    }
}
