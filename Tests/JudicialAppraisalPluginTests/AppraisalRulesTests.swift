import FawangCore
import FawangPluginKit
import FawangProto
@testable import JudicialAppraisalPlugin
import SwiftProtobuf
import Testing

/// Validation of entrustments and the register checks. The procedure is the Ministry's
/// 司法鉴定程序通则 (not in the corpus): its article numbers are to be confirmed (待确认).
@Suite struct AppraisalRulesTests {
    func violations(_ request: Fawang_Appraisal_V1_SubmitEntrustmentRequest) -> [String] {
        do {
            _ = try AppraisalRules.validate(request)
            return []
        } catch {
            return error.violations.map(\.field)
        }
    }

    static let centre = InstitutionRecord(
        id: "ja-640100-1", name: "银川市法医物证司法鉴定中心（演示）", regionCode: "640100",
        categories: [.forensicMedicine, .physicalEvidence], active: true)

    static let register: [String: AppraiserRecord] = [
        "jap-01": AppraiserRecord(id: "jap-01", name: "张明", institutionID: "ja-640100-1", categories: [.forensicMedicine], active: true),
        "jap-02": AppraiserRecord(id: "jap-02", name: "李华", institutionID: "ja-640100-1", categories: [.forensicMedicine], active: true),
        "jap-03": AppraiserRecord(id: "jap-03", name: "王强", institutionID: "ja-640100-1", categories: [.physicalEvidence], active: true),
        "jap-05": AppraiserRecord(id: "jap-05", name: "刘洋", institutionID: "ja-640100-1", categories: [.forensicMedicine], active: false),
        "jap-08": AppraiserRecord(id: "jap-08", name: "马军", institutionID: "ja-640200-1", categories: [.forensicMedicine], active: true),
    ]

    func appraiserProblems(_ ids: [String], category: AppraisalCategory = .forensicMedicine, minimum: Int = 2) -> [FawangError.FieldViolation] {
        AppraisalRules.appraiserProblems(
            ids: ids, records: ids.map { Self.register[$0] }, institutionID: "ja-640100-1", category: category, minimum: minimum)
    }

    @Test func theSamplesAreValid() {
        #expect(violations(AppraisalSamples.entrustment()) == [])
        #expect(violations(AppraisalSamples.partyEntrustment()) == [])
    }

    @Test func everyMissingFieldIsListedAtOnce() {
        #expect(violations(Fawang_Appraisal_V1_SubmitEntrustmentRequest()) == [
            "request_id", "context.channel", "entruster.type", "entruster.contact.name", "entruster.contact.phone",
            "institution_id", "category", "appraisal_matters", "purpose", "materials",
        ])
    }

    @Test func aPartyNeedsAnIdentityNumberAnAuthorityItsName() {
        var party = AppraisalSamples.partyEntrustment()
        party.entruster.contact.idNumber = ""
        #expect(violations(party) == ["entruster.contact.id_number"])
        var court = AppraisalSamples.entrustment()
        court.entruster.organization = " "
        #expect(violations(court) == ["entruster.organization"])
    }

    @Test func anAuthoritysEntrustmentComesFromAServiceAccountOrAppraisalStaff() {
        // Decided by the signed-in caller, not by the channel or operator id a request claims.
        #expect(!AppraisalRules.mayEnterAuthorityEntrustment(nil))
        let citizen = Principal(accountID: "citizen-1", displayName: "马小花", role: .citizen, regionCode: "640104")
        #expect(!AppraisalRules.mayEnterAuthorityEntrustment(citizen))
        let notary = Principal(accountID: "staff-640100-notarization", displayName: "公证", role: .staff, regionCode: "640100", department: "notarization")
        #expect(!AppraisalRules.mayEnterAuthorityEntrustment(notary))
        let staff = Principal(accountID: "staff-640100-judicial-appraisal", displayName: "鉴定管理", role: .staff, regionCode: "640100", department: "judicial-appraisal")
        #expect(AppraisalRules.mayEnterAuthorityEntrustment(staff))
        let system = Principal(accountID: "court-system", displayName: "法院系统", role: .service, regionCode: "640000")
        #expect(AppraisalRules.mayEnterAuthorityEntrustment(system))
        // The form itself is valid from any channel; the caller check is the service's.
        var request = AppraisalSamples.entrustment()
        request.context = .with { $0.channel = .web }
        #expect(violations(request) == [])
    }

    @Test func unknownEnumNumbersAreRejected() {
        var request = AppraisalSamples.entrustment()
        request.entruster.type = .UNRECOGNIZED(9)
        request.category = .UNRECOGNIZED(9)
        #expect(violations(request) == ["entruster.type", "category"])
    }

    @Test("执业类别：鉴定类别须在鉴定机构的执业类别之内，错误指明 category 和机构的执业类别")
    func categoryMustBeLicensed() throws {
        #expect(AppraisalRules.institutionProblem(Self.centre, category: .forensicMedicine) == nil)
        let problem = try #require(AppraisalRules.institutionProblem(Self.centre, category: .environmentalDamage))
        #expect(problem.field == "category")
        #expect(problem.reason.contains("未获准从事环境损害类司法鉴定业务"))
        #expect(problem.reason.contains("法医类、物证类"))
        var suspended = Self.centre
        suspended.active = false
        #expect(AppraisalRules.institutionProblem(suspended, category: .forensicMedicine)?.field == "institution_id")
    }

    @Test("《司法鉴定程序通则》第十九条（待确认）：同一鉴定事项指定不少于二名持有该类别执业资格的本机构鉴定人")
    func twoLicensedAppraisersOfTheInstitution() {
        #expect(appraiserProblems(["jap-01", "jap-02"]) == [])
        #expect(appraiserProblems(["jap-01"]).map(\.field) == ["appraiser_ids"])
        #expect(appraiserProblems(["jap-01", "jap-01"]).map(\.field) == ["appraiser_ids"])
        let mismatch = appraiserProblems(["jap-01", "jap-03"])
        #expect(mismatch.map(\.field) == ["appraiser_ids[1]"])
        #expect(mismatch.first?.reason.contains("王强未取得法医类鉴定执业资格（其执业类别为：物证类）") == true)
        #expect(appraiserProblems(["jap-01", "jap-08"]).map(\.field) == ["appraiser_ids[1]"])
        #expect(appraiserProblems(["jap-05", "jap-02"]).map(\.field) == ["appraiser_ids[0]"])
        #expect(appraiserProblems(["jap-01", "nobody"]).map(\.field) == ["appraiser_ids[1]"])
        #expect(appraiserProblems(["jap-03", "jap-01"], category: .physicalEvidence, minimum: 2).map(\.field) == ["appraiser_ids[1]"])
        #expect(appraiserProblems(["jap-01", "jap-02"]).first?.reason == nil)
        #expect(appraiserProblems(["jap-01"]).first?.reason.contains("第十九条（待确认）") == true)
    }

    @Test("《司法鉴定程序通则》第十九条（待确认）：鉴定人人数下限可配置")
    func theMinimumIsConfigurable() {
        #expect(appraiserProblems(["jap-01"], minimum: 1) == [])
        #expect(appraiserProblems(["jap-01", "jap-02"], minimum: 3).map(\.field) == ["appraiser_ids"])
        #expect(JudicialAppraisalPlugin().minimumAppraisers == 2)
        #expect(JudicialAppraisalPlugin(minimumAppraisers: 3).minimumAppraisers == 3)
    }

    @Test func categoriesRoundTripThroughTheRegister() {
        #expect(AppraisalCategory.parse(list: AppraisalCategory.list(AppraisalCategory.allCases)) == AppraisalCategory.allCases)
        #expect(AppraisalCategory.parse(list: "forensic_medicine, bogus") == [.forensicMedicine])
        for category in AppraisalCategory.allCases { #expect(AppraisalCategory(category.proto) == category) }
        #expect(AppraisalCategory(.unspecified) == nil)
    }
}
