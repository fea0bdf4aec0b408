import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
@testable import LegalExamPlugin
import Testing

/// The eligibility rules of 《国家统一法律职业资格考试实施办法》(2018). That text is NOT in the law
/// corpus: every article named here is the platform's reading, to be confirmed (待确认).
@Suite struct EligibilityRulesTests {
    func unmet(_ change: (inout RegistrationDeclaration) -> Void, region: String = "640104", policy: EligibilityPolicy = .standard) -> [EligibilityCondition] {
        var declaration = LegalExamSamples.declaration()
        change(&declaration)
        return EligibilityRules.unmetConditions(declaration, regionCode: region, policy: policy)
    }

    @Test("实施办法第九条（待确认）：全日制法学类本科并获学士学位、符合各项条件的，可以报名")
    func theSampleIsEligible() {
        #expect(unmet { _ in } == [])
    }

    @Test("实施办法第九条第一项（待确认）：具有中华人民共和国国籍")
    func nationality() {
        #expect(unmet { $0.nationality = .other } == [.nationality])
    }

    @Test("实施办法第九条第二项（待确认）：拥护宪法，享有选举权和被选举权")
    func politicalRights() {
        #expect(unmet { $0.supportsConstitution = false } == [.politicalRights])
        #expect(unmet { $0.hasPoliticalRights = false } == [.politicalRights])
    }

    @Test("实施办法第九条第四项（待确认）：具有完全民事行为能力")
    func civilCapacity() {
        #expect(unmet { $0.fullCivilCapacity = false } == [.civilCapacity])
    }

    @Test("实施办法第九条第五项（待确认）：法学类本科须获得学士及以上学位")
    func lawBachelorNeedsDegree() {
        #expect(unmet { $0.education.degreeAwarded = false } == [.education])
        // A postgraduate law degree also satisfies it.
        #expect(unmet {
            $0.education.degreeAwarded = false
            $0.education.postgraduateLawDegree = true
        } == [])
    }

    @Test("实施办法第九条第五项（待确认）：须为全日制普通高等学校学历")
    func fullTimeOnly() {
        #expect(unmet { $0.education.fullTime = false } == [.education])
    }

    @Test("实施办法第九条第五项（待确认）：非法学类本科获相应学位且从事法律工作满三年（年限可配置）", arguments: [
        (2, false), (3, true), (10, true),
    ])
    func nonLawWithLegalWork(years: Int, eligible: Bool) {
        let found = unmet {
            $0.education.major = .nonLaw
            $0.education.legalWorkYears = years
        }
        #expect(found == (eligible ? [] : [.education]))
        // Without the degree, years of work do not help.
        #expect(unmet {
            $0.education.major = .nonLaw
            $0.education.legalWorkYears = years
            $0.education.degreeAwarded = false
        } == [.education])
    }

    @Test("实施办法第九条第五项（待确认）：工作年限门槛是可配置的代码常量")
    func legalWorkThresholdIsConfigurable() {
        #expect(EligibilityPolicy.standard.nonLawLegalWorkYears == 3)
        let policy = EligibilityPolicy(nonLawLegalWorkYears: 2, relaxedEducationRegions: [])
        #expect(unmet({
            $0.education.major = .nonLaw
            $0.education.legalWorkYears = 2
        }, policy: policy) == [])
    }

    @Test("实施办法第九条第五项（待确认）：非法学类本科获法律硕士、法学硕士及以上学位的，不需工作年限")
    func nonLawWithPostgraduateLawDegree() {
        #expect(unmet {
            $0.education.major = .nonLaw
            $0.education.level = .master
            $0.education.postgraduateLawDegree = true
        } == [])
    }

    @Test("实施办法第九条第五项（待确认）：专科学历不符合条件，放宽地区的法学类专科除外（地区名单可配置）")
    func associateOnlyInRelaxedAreas() {
        #expect(unmet { $0.education.level = .associate } == [.education])
        let relaxed = EligibilityPolicy(nonLawLegalWorkYears: 3, relaxedEducationRegions: ["640400"])
        #expect(unmet({ $0.education.level = .associate }, region: "640422", policy: relaxed) == [])
        #expect(unmet({ $0.education.level = .associate }, region: "640104", policy: relaxed) == [.education])
        #expect(unmet({
            $0.education.level = .associate
            $0.education.major = .nonLaw
        }, region: "640422", policy: relaxed) == [.education])
        // Until the Ministry's list is confirmed, no division is relaxed.
        #expect(EligibilityPolicy.standard.relaxedEducationRegions.isEmpty)
    }

    @Test("实施办法第十条（待确认）：每一项不得报名的情形都导致不予确认，并指明该情形", arguments: EligibilityCondition.disqualifying)
    func everyDisqualification(_ condition: EligibilityCondition) {
        #expect(unmet { $0.disqualifications = [condition] } == [condition])
        #expect(condition.isDisqualifying)
        #expect(condition.article.hasPrefix("《国家统一法律职业资格考试实施办法》第十条"))
        #expect(condition.article.hasSuffix("（待确认）"))
    }

    @Test("实施办法第十条第一项、第二项（待确认）：故意犯罪受过刑事处罚、开除公职、吊销律师或公证员执业证书")
    func namedDisqualifications() {
        #expect(EligibilityCondition.intentionalCrime.citation == "因故意犯罪受过刑事处罚的，不得报名（《国家统一法律职业资格考试实施办法》第十条第一项（待确认））")
        #expect(EligibilityCondition.dismissedFromPublicOffice.article == "《国家统一法律职业资格考试实施办法》第十条第二项（待确认）")
        #expect(EligibilityCondition.lawyerLicenceRevoked.label.contains("律师执业证书"))
        #expect(EligibilityCondition.notaryLicenceRevoked.label.contains("公证员执业证书"))
    }

    @Test("实施办法第九条、第十条（待确认）：所有不符合的条件一次列明，按条文顺序")
    func everyUnmetConditionAtOnce() {
        let found = unmet {
            $0.nationality = .other
            $0.fullCivilCapacity = false
            $0.education.major = .nonLaw
            $0.education.legalWorkYears = 1
            $0.disqualifications = [.notaryLicenceRevoked, .intentionalCrime]
        }
        #expect(found == [.nationality, .civilCapacity, .education, .intentionalCrime, .notaryLicenceRevoked])
    }

    @Test("实施办法第九条第三项（待确认）：品行条件不由申报推断，只能由工作人员核查后提出")
    func conductIsStaffOnly() {
        #expect(!EligibilityCondition.disqualifying.contains(.conduct))
        #expect(EligibilityCondition.conduct.article == "《国家统一法律职业资格考试实施办法》第九条第三项（待确认）")
    }

    @Test func everyArticleIsMarkedToBeConfirmed() {
        for condition in EligibilityCondition.allCases {
            #expect(condition.article.hasSuffix("（待确认）"), "\(condition)")
            #expect(EligibilityCondition(condition.proto) == condition)
        }
    }

    // MARK: Validation

    func violations(_ request: Fawang_Exam_V1_SubmitRegistrationRequest) -> [String] {
        do {
            _ = try RegistrationApplication.validate(request, now: beijingNoon(2026, 6, 1))
            return []
        } catch {
            return error.violations.map(\.field)
        }
    }

    @Test func theSampleRegistrationIsValid() {
        #expect(violations(LegalExamSamples.registration()) == [])
    }

    @Test func everyMissingFieldIsListedAtOnce() {
        #expect(violations(Fawang_Exam_V1_SubmitRegistrationRequest()) == [
            "request_id", "context.channel", "candidate.name", "candidate.id_number", "candidate.phone", "exam_year",
            "region_code", "nationality", "education.level", "education.major",
        ])
    }

    @Test func malformedFieldsAreNamed() {
        var request = LegalExamSamples.registration()
        request.candidate.idNumber = "110105194912310021"
        request.examYear = 2017
        request.education.legalWorkYears = -1
        request.disqualifications = [.unspecified]
        #expect(violations(request) == ["candidate.id_number", "exam_year", "education.legal_work_years", "disqualifications[0]"])
    }

    // MARK: Pass lines

    @Test("合格分数线（司法部公告，待确认）：内置全国线为客观题180分、主观题108分")
    func builtInLine() throws {
        let line = try #require(PassLines.resolve(year: 2025, regionCode: "640104", set: []))
        #expect(line.objective == 1800 && line.subjective == 1080 && line.certificateClass == "A" && line.builtIn)
        #expect(line.passes(objective: 1800, subjective: 1080))
        #expect(!line.passes(objective: 1795, subjective: 1200))
        #expect(!line.passes(objective: 2000, subjective: 1075))
        #expect(PassLines.resolve(year: 2017, regionCode: "640104", set: []) == nil)
    }

    @Test("合格分数线按年度、地区设置（待确认）：县、市、自治区逐级适用")
    func setLinesByYearAndRegion() throws {
        let lines = [
            PassLine(examYear: 2025, regionCode: "640400", objective: 1700, subjective: 950, certificateClass: "C", builtIn: false),
            PassLine(examYear: 2025, regionCode: "640422", objective: 1650, subjective: 900, certificateClass: "C", builtIn: false),
            PassLine(examYear: 2024, regionCode: "640000", objective: 1750, subjective: 1000, certificateClass: "A", builtIn: false),
        ]
        #expect(PassLines.resolve(year: 2025, regionCode: "640422", set: lines)?.objective == 1650)
        #expect(PassLines.resolve(year: 2025, regionCode: "640423", set: lines)?.objective == 1700)
        #expect(PassLines.resolve(year: 2025, regionCode: "640104", set: lines)?.builtIn == true)
        #expect(PassLines.resolve(year: 2024, regionCode: "640104", set: lines)?.objective == 1750)
    }
}

func beijingNoon(_ year: Int, _ month: Int, _ day: Int) -> Date {
    CivilDate(year: year, month: month, day: day).endInstant.addingTimeInterval(-12 * 3600)
}
