import FawangCore
import FawangPluginKit
import FawangProto
import FawangTestSupport
@testable import LegalAidPlugin
import Testing

/// Validation of applications against 法律援助法 (2021); each test names its article.
@Suite struct LegalAidRulesTests {
    func violations(_ request: Fawang_Legalaid_V1_SubmitApplicationRequest) -> [String] {
        do {
            _ = try LegalAidApplication.validate(request)
            return []
        } catch {
            return error.violations.map(\.field)
        }
    }

    @Test func theSampleIsValid() {
        #expect(violations(LegalAidSamples.application()) == [])
    }

    @Test func everyMissingFieldIsListedAtOnce() {
        let fields = violations(Fawang_Legalaid_V1_SubmitApplicationRequest())
        #expect(fields == [
            "request_id", "context.channel", "applicant.name", "applicant.id_number", "applicant.phone", "region_code",
            "case_category", "service_form", "case_summary", "hardship",
        ])
    }

    @Test func malformedFieldsAreNamed() {
        var request = LegalAidSamples.application()
        request.applicant.idNumber = "110105194912310021"
        request.applicant.phone = "12345"
        request.regionCode = "6401"
        #expect(violations(request) == ["applicant.id_number", "applicant.phone", "region_code"])
    }

    @Test("Art. 41: applying for economic hardship needs a statement of it")
    func art41HardshipStatementRequired() {
        var request = LegalAidSamples.application()
        request.clearHardship()
        #expect(violations(request) == ["hardship"])
    }

    @Test("Art. 41 para. 2: hardship is verified by information sharing or a personal commitment")
    func art41VerificationMethodRequired() {
        var request = LegalAidSamples.application()
        request.hardship.verification = .unspecified
        #expect(violations(request) == ["hardship.verification"])
    }

    @Test("Art. 32: listed cases are free of the hardship condition", arguments: [
        Fawang_Legalaid_V1_HardshipExemption.heroMartyrRelative, .goodSamaritan, .domesticViolenceVictim, .otherStatutory,
    ])
    func art32ExemptFromHardship(_ exemption: Fawang_Legalaid_V1_HardshipExemption) {
        var request = LegalAidSamples.application()
        request.clearHardship()
        request.caseCategory = .maintenance
        request.hardshipExemption = exemption
        #expect(violations(request) == [])
    }

    @Test("Art. 32(3): acquittal on retrial exempts a state compensation claim only")
    func art32RetrialAcquittalIsStateCompensation() {
        var request = LegalAidSamples.application()
        request.clearHardship()
        request.hardshipExemption = .retrialAcquittalCompensation
        #expect(violations(request) == ["hardship_exemption"])
        request.caseCategory = .stateCompensation
        #expect(violations(request) == [])
    }

    @Test("Art. 24: a criminal suspect may apply for economic hardship or other reasons")
    func art24CriminalDefenseNeedsNoHardshipStatement() {
        var request = LegalAidSamples.application()
        request.clearHardship()
        request.caseCategory = .criminalDefense
        request.serviceForm = .criminalDefenseOrAgency
        #expect(violations(request) == [])
    }

    @Test("Art. 25: a notified defence needs no hardship statement but comes from the authorities")
    func art25NotifiedDefense() {
        var request = LegalAidSamples.application()
        request.clearHardship()
        request.caseCategory = .notifiedDefense
        request.serviceForm = .criminalDefenseOrAgency
        request.context.channel = .api
        request.context.operatorID = "court-640104-system"
        #expect(violations(request) == [])
        request.context.channel = .web
        request.context.operatorID = ""
        #expect(violations(request) == ["context.operator_id"])
    }

    @Test("Art. 42: exemption from verification needs proof and then no verification method")
    func art42ExemptionNeedsProof() {
        var request = LegalAidSamples.application()
        request.verificationExemption = .assistanceRecipient
        request.hardship.verification = .unspecified
        #expect(violations(request) == [])
        request.materials = []
        #expect(violations(request) == ["materials"])
    }

    @Test("Art. 42(3): the migrant worker exemption covers wages and work injury only", arguments: [
        (Fawang_Legalaid_V1_CaseCategory.labourRemuneration, true), (.personalInjury, true), (.maintenance, false), (.stateCompensation, false),
    ])
    func art42MigrantWorker(_ category: Fawang_Legalaid_V1_CaseCategory, _ allowed: Bool) {
        var request = LegalAidSamples.application()
        request.caseCategory = category
        request.verificationExemption = .migrantWorkerWagesOrInjury
        #expect(violations(request) == (allowed ? [] : ["verification_exemption"]))
    }

    @Test func unknownEnumNumbersAreRejected() {
        var request = LegalAidSamples.application()
        request.caseCategory = .UNRECOGNIZED(99)
        request.hardshipExemption = .UNRECOGNIZED(42)
        #expect(violations(request) == ["case_category", "hardship_exemption"])
    }
}
