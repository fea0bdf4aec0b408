import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

// The rules of 中华人民共和国法律援助法 (2021) that the legal aid module enforces. Each cites its
// article; docs/legal-aid.md lists them with the tests that pin them down.

/// What the application is about (Arts. 24, 25, 31, 33).
enum CaseCategory: String, Codable, CaseIterable, Sendable {
    case criminalDefense = "criminal_defense"
    case stateCompensation = "state_compensation"
    case socialInsuranceOrAssistance = "social_insurance_or_assistance"
    case survivorPension = "survivor_pension"
    case maintenance
    case labourRemuneration = "labour_remuneration"
    case civilCapacity = "civil_capacity"
    case personalInjury = "personal_injury"
    case environmentalDamage = "environmental_damage"
    case retrial
    case otherStatutory = "other_statutory"
    case notifiedDefense = "notified_defense"

    init?(_ proto: Fawang_Legalaid_V1_CaseCategory) {
        switch proto {
        case .criminalDefense: self = .criminalDefense
        case .stateCompensation: self = .stateCompensation
        case .socialInsuranceOrAssistance: self = .socialInsuranceOrAssistance
        case .survivorPension: self = .survivorPension
        case .maintenance: self = .maintenance
        case .labourRemuneration: self = .labourRemuneration
        case .civilCapacity: self = .civilCapacity
        case .personalInjury: self = .personalInjury
        case .environmentalDamage: self = .environmentalDamage
        case .retrial: self = .retrial
        case .otherStatutory: self = .otherStatutory
        case .notifiedDefense: self = .notifiedDefense
        default: return nil
        }
    }

    var label: String {
        switch self {
        case .criminalDefense: "刑事辩护（第二十四条）"
        case .stateCompensation: "请求国家赔偿（第三十一条第一项）"
        case .socialInsuranceOrAssistance: "请求社会保险待遇或者社会救助（第三十一条第二项）"
        case .survivorPension: "请求发给抚恤金（第三十一条第三项）"
        case .maintenance: "请求给付赡养费、抚养费、扶养费（第三十一条第四项）"
        case .labourRemuneration: "请求确认劳动关系或者支付劳动报酬（第三十一条第五项）"
        case .civilCapacity: "请求认定无民事行为能力或者限制民事行为能力（第三十一条第六项）"
        case .personalInjury: "请求人身损害赔偿（第三十一条第七项）"
        case .environmentalDamage: "请求环境污染、生态破坏损害赔偿（第三十一条第八项）"
        case .retrial: "申诉、再审案件（第三十三条）"
        case .otherStatutory: "法律、法规、规章规定的其他情形（第三十一条第九项）"
        case .notifiedDefense: "办案机关通知辩护（第二十五条）"
        }
    }
}

/// Form of service (Art. 22).
enum ServiceForm: String, Codable, Sendable {
    case documentDrafting = "document_drafting"
    case criminalDefenseOrAgency = "criminal_defense_or_agency"
    case litigationAgency = "litigation_agency"
    case labourArbitrationAgency = "labour_arbitration_agency"

    init?(_ proto: Fawang_Legalaid_V1_ServiceForm) {
        switch proto {
        case .documentDrafting: self = .documentDrafting
        case .criminalDefenseOrAgency: self = .criminalDefenseOrAgency
        case .litigationAgency: self = .litigationAgency
        case .labourArbitrationAgency: self = .labourArbitrationAgency
        default: return nil
        }
    }
}

/// Cases exempt from the economic-hardship condition (Art. 32).
enum HardshipExemption: String, Codable, Sendable {
    case heroMartyrRelative = "hero_martyr_relative"
    case goodSamaritan = "good_samaritan"
    case retrialAcquittalCompensation = "retrial_acquittal_compensation"
    case domesticViolenceVictim = "domestic_violence_victim"
    case otherStatutory = "other_statutory"

    /// nil for `NONE`; throws nothing — unknown numbers are caught by the validator.
    static func from(_ proto: Fawang_Legalaid_V1_HardshipExemption) -> HardshipExemption?? {
        switch proto {
        case .none: .some(nil)
        case .heroMartyrRelative: .heroMartyrRelative
        case .goodSamaritan: .goodSamaritan
        case .retrialAcquittalCompensation: .retrialAcquittalCompensation
        case .domesticViolenceVictim: .domesticViolenceVictim
        case .otherStatutory: .otherStatutory
        default: nil
        }
    }
}

/// Applicants exempt from verification of their hardship (Art. 42).
enum VerificationExemption: String, Codable, Sendable {
    case noFixedIncomeVulnerable = "no_fixed_income_vulnerable"
    case assistanceRecipient = "assistance_recipient"
    case migrantWorkerWagesOrInjury = "migrant_worker_wages_or_injury"
    case otherStatutory = "other_statutory"

    static func from(_ proto: Fawang_Legalaid_V1_VerificationExemption) -> VerificationExemption?? {
        switch proto {
        case .none: .some(nil)
        case .noFixedIncomeVulnerable: .noFixedIncomeVulnerable
        case .assistanceRecipient: .assistanceRecipient
        case .migrantWorkerWagesOrInjury: .migrantWorkerWagesOrInjury
        case .otherStatutory: .otherStatutory
        default: nil
        }
    }
}

/// How hardship is verified (Art. 41 para. 2).
enum HardshipVerification: String, Codable, Sendable {
    case informationSharing = "information_sharing"
    case personalCommitment = "personal_commitment"

    init?(_ proto: Fawang_Legalaid_V1_HardshipVerification) {
        switch proto {
        case .informationSharing: self = .informationSharing
        case .personalCommitment: self = .personalCommitment
        default: return nil
        }
    }
}

/// The applicant's statement of economic hardship (Art. 41 para. 1).
struct HardshipStatement: Codable, Equatable, Sendable {
    var householdSize: Int
    var monthlyIncomePerCapitaYuan: Int64
    var description: String
    /// Nil when verification is exempt under Art. 42.
    var verification: HardshipVerification?
}

struct ProviderAssignment: Codable, Equatable, Sendable {
    var providerID: String
    var name: String
    var organizationID: String
}

/// The legal aid content of a matter (`Matter.details`).
struct LegalAidDetails: Codable, Equatable, Sendable {
    var caseCategory: CaseCategory
    var serviceForm: ServiceForm
    var caseSummary: String
    var opposingParty: String
    var hardship: HardshipStatement?
    var hardshipExemption: HardshipExemption?
    var verificationExemption: VerificationExemption?
    var materials: [String]
    /// Outstanding items of the one request for materials (Art. 43 para. 2).
    var missingMaterials: [String] = []
    var refusalReasons: String?
    var provider: ProviderAssignment?
    var outcomeSummary: String?
    var rating: Rating?

    func encoded() -> Data { DetailsCoding.encode(self) }
}

/// Validation of a submitted application: every problem reported at once, each with its field.
enum LegalAidApplication {
    static let requestIDMaxLength = 128

    /// The validated content of `request`, or `INVALID_ARGUMENT` listing every bad field.
    static func validate(_ request: Fawang_Legalaid_V1_SubmitApplicationRequest) throws(FawangError) -> (Handling, Person, LegalAidDetails) {
        var check = FieldValidator()
        check.requireText(request.requestID, "request_id", label: "请求编号（防止重复提交）", maxLength: requestIDMaxLength)
        let handling = Handling.read(request.context, into: &check)

        let applicant = request.applicant
        check.requireText(applicant.name, "applicant.name", label: "申请人姓名", maxLength: 50)
        if applicant.idNumber.isEmpty {
            check.fail("applicant.id_number", "请填写申请人身份证号")
        } else if let problem = ResidentIdentityNumber.problem(with: applicant.idNumber) {
            check.fail("applicant.id_number", problem)
        }
        if applicant.phone.isEmpty {
            check.fail("applicant.phone", "请填写联系电话")
        } else if let problem = PhoneNumber.problem(with: applicant.phone) {
            check.fail("applicant.phone", problem)
        }
        check.require(applicant.address.count <= 200, "applicant.address", "地址不能超过200字")
        check.require(DivisionCode.isWellFormed(request.regionCode), "region_code", "请填写6位行政区划代码，如银川市兴庆区为640104")

        let category = CaseCategory(request.caseCategory)
        check.require(category != nil, "case_category", "请选择申请事项类别（第二十四条、第二十五条、第三十一条、第三十三条）")
        let form = ServiceForm(request.serviceForm)
        check.require(form != nil, "service_form", "请选择法律援助服务形式（第二十二条）")
        check.requireText(request.caseSummary, "case_summary", label: "案情简述", maxLength: 2000)
        check.require(request.opposingParty.count <= 200, "opposing_party", "对方当事人不能超过200字")

        let hardshipExemption = HardshipExemption.from(request.hardshipExemption)
        check.require(hardshipExemption != nil, "hardship_exemption", "不受经济困难条件限制的情形无效（第三十二条）")
        let verificationExemption = VerificationExemption.from(request.verificationExemption)
        check.require(verificationExemption != nil, "verification_exemption", "免予核查经济困难状况的情形无效（第四十二条）")

        // Art. 32: the listed cases are not subject to the hardship condition. Art. 24: a criminal
        // suspect or defendant may apply "because of economic hardship or other reasons". Art. 25:
        // a notified defence is assigned whatever the defendant's means.
        let hardshipRequired = (hardshipExemption ?? nil) == nil && category != .criminalDefense && category != .notifiedDefense
        // Art. 25: the notice comes from a court, procuratorate or public security organ, i.e. a
        // connected system or staff keying it in, never a citizen acting alone.
        if category == .notifiedDefense, let handling, handling.channel != .api, handling.actor == "applicant" {
            check.fail("context.operator_id", "通知辩护由人民法院、人民检察院、公安机关通知（第二十五条），须经系统对接或由工作人员录入")
        }
        var hardship: HardshipStatement?
        if request.hasHardship {
            let statement = request.hardship
            check.require(statement.householdSize >= 1 && statement.householdSize <= 30, "hardship.household_size", "家庭人口数应在1至30之间")
            check.require(statement.monthlyIncomePerCapitaYuan >= 0, "hardship.monthly_income_per_capita_yuan", "家庭人均月收入不能为负数")
            check.requireText(statement.description_p, "hardship.description", label: "经济困难状况说明（第四十一条）", maxLength: 2000)
            let verification = HardshipVerification(statement.verification)
            // Art. 41 para. 2: verified by information sharing or a personal commitment, unless the
            // applicant is exempt from verification under Art. 42.
            if (verificationExemption ?? nil) == nil {
                check.require(verification != nil, "hardship.verification", "请选择经济困难状况核查方式：信息共享查询或个人诚信承诺（第四十一条第二款）")
            }
            hardship = HardshipStatement(
                householdSize: Int(statement.householdSize), monthlyIncomePerCapitaYuan: statement.monthlyIncomePerCapitaYuan,
                description: statement.description_p, verification: verification)
        } else if hardshipRequired {
            check.fail("hardship", "因经济困难申请法律援助的，应当如实说明经济困难状况（第四十一条）；属于第三十二条情形的请注明")
        }

        if let exemption = verificationExemption ?? nil {
            // Art. 42: exemption from verification needs materials proving the applicant's status.
            check.require(!request.materials.isEmpty, "materials", "免予核查经济困难状况须提交证明材料（第四十二条）")
            // Art. 42(3): only migrant workers claiming wages or work-injury damages.
            if exemption == .migrantWorkerWagesOrInjury, let category, category != .labourRemuneration, category != .personalInjury {
                check.fail("verification_exemption", "进城务工人员免予核查仅适用于请求支付劳动报酬或者工伤事故人身损害赔偿（第四十二条第三项）")
            }
        }
        // Art. 32(3): an acquittal on retrial exempts a *state compensation* claim.
        if (hardshipExemption ?? nil) == .retrialAcquittalCompensation, let category, category != .stateCompensation {
            check.fail("hardship_exemption", "再审改判无罪请求国家赔偿的情形，申请事项类别应为国家赔偿（第三十二条第三项）")
        }
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()

        let person = Person(
            name: applicant.name.trimmingCharacters(in: .whitespaces), idNumber: applicant.idNumber.uppercased(),
            phone: PhoneNumber.normalized(applicant.phone), address: applicant.address)
        let details = LegalAidDetails(
            caseCategory: category!, serviceForm: form!, caseSummary: request.caseSummary,
            opposingParty: request.opposingParty, hardship: hardship, hardshipExemption: hardshipExemption ?? nil,
            verificationExemption: verificationExemption ?? nil, materials: request.materials)
        return (try check.checked(handling, "the channel context"), person, details)
    }
}
