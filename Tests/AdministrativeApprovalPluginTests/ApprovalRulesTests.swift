import FawangCore
import FawangPluginKit
import FawangProto
@testable import AdministrativeApprovalPlugin
import Testing

/// Validation of licence applications (行政许可法, 律师法, 公证法); each test names its article.
@Suite struct ApprovalRulesTests {
    func violations(_ request: Fawang_Approval_V1_SubmitApplicationRequest) -> [String] {
        do {
            _ = try ApprovalApplication.validate(request)
            return []
        } catch {
            return error.violations.map(\.field)
        }
    }

    @Test func theSamplesAreValid() {
        #expect(violations(ApprovalSamples.lawFirm()) == [])
        #expect(violations(ApprovalSamples.appraisal()) == [])
    }

    @Test func everyMissingFieldIsListedAtOnce() {
        #expect(violations(Fawang_Approval_V1_SubmitApplicationRequest()) == [
            "request_id", "context.channel", "applicant.name", "applicant.id_number", "applicant.phone", "region_code", "item", "summary",
        ])
    }

    @Test func malformedFieldsAreNamed() {
        var request = ApprovalSamples.lawFirm()
        request.applicant.idNumber = "110105194912310021"
        request.applicant.phone = "12345"
        request.materials = ["", "资产证明"]
        #expect(violations(request) == ["applicant.id_number", "applicant.phone", "materials[0]"])
    }

    @Test func establishmentNeedsTheOrganizationName() {
        var request = ApprovalSamples.lawFirm()
        request.organizationName = " "
        #expect(violations(request) == ["organization_name"])
        request.item = .grassrootsLegalServiceWorkerPractice
        request.regionCode = "640104"
        #expect(violations(request) == [])
    }

    @Test("律师法第十八条、公证法第九条: each item is applied for at its level", arguments: [
        (Fawang_Approval_V1_LicensingItem.lawFirmEstablishment, "640100", true), (.lawFirmEstablishment, "640104", false),
        (.notaryOfficeEstablishment, "640100", true), (.notaryOfficeEstablishment, "640000", false),
        (.judicialAppraisalInstitutionRegistration, "640000", true), (.judicialAppraisalInstitutionRegistration, "640100", false),
        (.grassrootsLegalServiceWorkerPractice, "640104", true), (.grassrootsLegalServiceWorkerPractice, "640100", false),
    ])
    func itemsAreAppliedForAtTheirLevel(_ item: Fawang_Approval_V1_LicensingItem, _ region: String, _ valid: Bool) {
        var request = ApprovalSamples.lawFirm()
        request.item = item
        request.regionCode = region
        #expect(violations(request) == (valid ? [] : ["region_code"]))
    }

    @Test("行政许可法第四十三条: which items are reviewed below and decided above")
    func twoLevelItems() {
        #expect(LicensingItem.lawFirmEstablishment.isTwoLevel)
        #expect(LicensingItem.notaryOfficeEstablishment.isTwoLevel)
        #expect(LicensingItem.grassrootsLegalWorkerPractice.isTwoLevel)
        #expect(!LicensingItem.judicialAppraisalRegistration.isTwoLevel)
        #expect(LicensingItem.lawFirmEstablishment.decidingLevelName == "省、自治区、直辖市司法行政部门")
        #expect(LicensingItem.grassrootsLegalWorkerPractice.decidingLevelName == "设区的市级司法行政部门")
        #expect(LicensingItem.allCases.allSatisfy { !$0.requiredMaterials.isEmpty })
    }

    @Test func unknownItemNumbersAreRejected() {
        var request = ApprovalSamples.lawFirm()
        request.item = .UNRECOGNIZED(42)
        #expect(violations(request) == ["item"])
    }

    @Test("行政许可法第三十八条第二款: a refusal tells of reconsideration and litigation")
    func remediesNotice() {
        let plain = ApprovalApplication.remediesNotice(reconsiderationOrgan: "", court: "")
        #expect(plain.contains("申请行政复议") && plain.contains("提起行政诉讼") && plain.contains("第三十八条第二款"))
        let named = ApprovalApplication.remediesNotice(reconsiderationOrgan: "宁夏回族自治区人民政府", court: "银川市中级人民法院")
        #expect(named.contains("向宁夏回族自治区人民政府申请行政复议") && named.contains("向银川市中级人民法院提起行政诉讼"))
    }
}
