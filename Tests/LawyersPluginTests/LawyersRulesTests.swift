import FawangCore
import FawangPluginKit
import FawangProto
@testable import LawyersPlugin
import SwiftProtobuf
import Testing

/// Validation under 律师法; each test names its article.
@Suite struct LawyersRulesTests {
    func violations(_ request: Fawang_Lawyers_V1_SubmitPracticeApplicationRequest) -> [String] {
        do {
            _ = try LawyersApplications.validate(request)
            return []
        } catch {
            return error.violations.map(\.field)
        }
    }

    func violations(_ request: Fawang_Lawyers_V1_SubmitFirmApplicationRequest) -> [String] {
        var check = FieldValidator()
        _ = LawyersApplications.validate(request, into: &check)
        return check.violations.map(\.field)
    }

    @Test func theSamplesAreValid() {
        #expect(violations(LawyersSamples.practice()) == [])
        #expect(violations(LawyersSamples.firm()) == [])
    }

    @Test func everyMissingFieldIsListedAtOnce() {
        #expect(violations(Fawang_Lawyers_V1_SubmitPracticeApplicationRequest()) == [
            "request_id", "context.channel", "applicant.name", "applicant.id_number", "applicant.phone", "region_code",
            "qualification_certificate_number", "internship_months", "firm_licence_number",
        ])
        #expect(violations(Fawang_Lawyers_V1_SubmitFirmApplicationRequest()) == [
            "request_id", "context.channel", "applicant.name", "applicant.id_number", "applicant.phone", "region_code",
            "firm_name", "address", "kind", "assets_yuan",
        ])
    }

    @Test("律师法第五条第三项: a full year of internship at a law firm")
    func art5Internship() {
        var request = LawyersSamples.practice()
        request.internshipMonths = 11
        #expect(violations(request) == ["internship_months"])
    }

    @Test("律师法第六条: applications go to the 设区的市级 bureau", arguments: [("640100", true), ("640104", false), ("640000", false)])
    func art6CityBureau(_ region: String, _ valid: Bool) {
        var request = LawyersSamples.practice()
        request.regionCode = region
        #expect(violations(request) == (valid ? [] : ["region_code"]))
        var firm = LawyersSamples.firm()
        firm.regionCode = region
        #expect(violations(firm) == (valid ? [] : ["region_code"]))
    }

    @Test("律师法第六条第二款: part-time practice needs the employer's consent")
    func art6PartTime() {
        var request = LawyersSamples.practice()
        request.partTime = true
        #expect(violations(request) == ["materials"])
        request.materials.append(LawyersApplications.partTimeMaterial)
        #expect(violations(request) == [])
    }

    @Test("律师法第十五条、第十六条: a partnership has three or more partners; a sole firm one founder")
    func art15And16FounderCount() {
        #expect(violations(LawyersSamples.firm(founders: Array(LawyersSamples.seniorLawyers.prefix(2)))) == ["founder_licence_numbers"])
        var sole = LawyersSamples.firm()
        sole.kind = .sole
        #expect(violations(sole) == ["founder_licence_numbers"])
        sole.founderLicenceNumbers = [LawyersSamples.seniorLawyers[0]]
        #expect(violations(sole) == [])
    }

    func founder(since year: Int, status: RegisterStatus = .practising, suspendedOn: [CivilDate] = []) -> RegisteredLawyer {
        RegisteredLawyer(
            licenceNumber: "1", name: "某律师", firmLicenceNumber: "f", regionCode: "640104", specialties: [],
            practisingSince: CivilDate(year: year, month: 7, day: 1), status: status, suspensionsOn: suspendedOn)
    }

    func founderProblems(_ founders: [RegisteredLawyer?], kind: FirmKind) -> [String] {
        var check = FieldValidator()
        LawyersApplications.checkFounders(founders, kind: kind, today: CivilDate(year: 2026, month: 7, day: 1), into: &check)
        return check.violations.map(\.field)
    }

    @Test("律师法第十五条: partners need three years' practice; 第十六条: a sole founder five")
    func art15And16Experience() {
        #expect(founderProblems([founder(since: 2023), founder(since: 2020), founder(since: 2024)], kind: .partnership)
            == ["founder_licence_numbers[2]"])
        #expect(founderProblems([founder(since: 2021)], kind: .sole) == [])
        #expect(founderProblems([founder(since: 2022)], kind: .sole) == ["founder_licence_numbers[0]"])
    }

    @Test("律师法第十四条第三项: no founder suspended within three years, and each practising")
    func art14Founders() {
        let suspended = founder(since: 2010, suspendedOn: [CivilDate(year: 2024, month: 1, day: 1)])
        let longAgo = founder(since: 2010, suspendedOn: [CivilDate(year: 2023, month: 6, day: 30)])
        let revoked = founder(since: 2010, status: .revoked)
        #expect(founderProblems([suspended, longAgo, revoked, nil], kind: .partnership)
            == ["founder_licence_numbers[0]", "founder_licence_numbers[2]", "founder_licence_numbers[3]"])
    }

    func penalty(_ article: Fawang_Lawyers_V1_PenaltyArticle, _ kind: Fawang_Lawyers_V1_PenaltyKind, months: Int32 = 0, fine: Int64 = 0, subject: SubjectKind = .lawyer) -> [String] {
        var check = FieldValidator()
        _ = Penalty.check(.with {
            $0.article = article
            $0.kind = kind
            $0.suspensionMonths = months
            $0.fineYuan = fine
        }, subject: subject, into: &check)
        return check.violations.map(\.field)
    }

    @Test("律师法第四十七条: warning, fine up to 5,000, suspension up to 3 months")
    func art47() {
        #expect(penalty(.penaltyArticle47, .warning, fine: 5_000) == [])
        #expect(penalty(.penaltyArticle47, .warning, fine: 5_001) == ["penalty.fine_yuan"])
        #expect(penalty(.penaltyArticle47, .suspension, months: 3) == [])
        #expect(penalty(.penaltyArticle47, .suspension, months: 4) == ["penalty.suspension_months"])
        #expect(penalty(.penaltyArticle47, .revocation) == ["penalty.kind"])
    }

    @Test("律师法第四十八条: fine up to 10,000, suspension 3 to 6 months")
    func art48() {
        #expect(penalty(.penaltyArticle48, .suspension, months: 4, fine: 8_000) == [])
        #expect(penalty(.penaltyArticle48, .suspension, months: 2) == ["penalty.suspension_months"])
        #expect(penalty(.penaltyArticle48, .suspension, months: 7, fine: 20_000) == ["penalty.suspension_months", "penalty.fine_yuan"])
    }

    @Test("律师法第四十九条: suspension 6 to 12 months (no warning alone), fine up to 50,000, revocation if serious")
    func art49() {
        #expect(penalty(.penaltyArticle49, .warning) == ["penalty.kind"])
        #expect(penalty(.penaltyArticle49, .suspension, months: 12, fine: 50_000) == [])
        #expect(penalty(.penaltyArticle49, .suspension, months: 5) == ["penalty.suspension_months"])
        #expect(penalty(.penaltyArticle49, .revocation) == [])
    }

    @Test("律师法第五十条: firms — rectification 1 to 6 months, fine up to 100,000; Arts. 47–49 are for lawyers")
    func art50() {
        #expect(penalty(.penaltyArticle50, .suspension, months: 6, fine: 100_000, subject: .firm) == [])
        #expect(penalty(.penaltyArticle50, .suspension, months: 7, subject: .firm) == ["penalty.suspension_months"])
        #expect(penalty(.penaltyArticle50, .warning, subject: .lawyer) == ["penalty.article"])
        #expect(penalty(.penaltyArticle48, .warning, subject: .firm) == ["penalty.article"])
        #expect(penalty(.unspecified, .unspecified) == ["penalty.article", "penalty.kind"])
    }

    @Test func penaltiesDescribeThemselves() {
        let penalty = Penalty(article: .art48, kind: .suspension, suspensionMonths: 4, fineYuan: 8_000, confiscation: true)
        #expect(penalty.describe(subject: .lawyer) == "停止执业4个月，罚款8000元，没收违法所得")
        #expect(Penalty(article: .art50, kind: .suspension, suspensionMonths: 2, fineYuan: 0, confiscation: false).describe(subject: .firm) == "停业整顿2个月")
    }

    @Test("民法典第二百零二条: a period of months ends on the corresponding day, or the month's last")
    func months() {
        #expect(CivilDate(year: 2026, month: 7, day: 1).adding(months: 4).description == "2026-11-01")
        #expect(CivilDate(year: 2026, month: 1, day: 31).adding(months: 1).description == "2026-02-28")
        #expect(CivilDate(year: 2026, month: 11, day: 30).adding(months: 3).description == "2027-02-28")
    }

    @Test("律师法第七条: the grounds for refusing a practice certificate")
    func art7Grounds() {
        #expect(RefusalGround(.noCivilCapacity)?.label.contains("第七条第一项") == true)
        #expect(RefusalGround(.criminalPunishment)?.label.contains("过失犯罪除外") == true)
        #expect(RefusalGround(.expelledOrRevoked)?.label.contains("第七条第三项") == true)
        #expect(RefusalGround(.unspecified) == nil)
        #expect(RefusalGround.firmConditionsNotMet.appliesToFirms && !RefusalGround.criminalPunishment.appliesToFirms)
    }
}
