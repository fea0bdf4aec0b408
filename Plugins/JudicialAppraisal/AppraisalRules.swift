import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

// The rules of judicial appraisal (司法鉴定) that the module enforces. The procedure comes from the
// Ministry of Justice's 司法鉴定程序通则, which is NOT in the law corpus: every article number is
// marked 待确认 (to be confirmed), and the deadlines carry `articleConfirmed: false` so their days
// may be set in config (`deadlines.rule_days`). See docs/business-lines.md.

enum AppraisalRulesText {
    static let procedure = "《司法鉴定程序通则》"
    /// "《司法鉴定程序通则》第十三条（待确认）".
    static func article(_ number: String) -> String { "\(procedure)\(number)（待确认）" }
}

/// Licensed categories of judicial appraisal.
enum AppraisalCategory: String, Codable, CaseIterable, Sendable {
    case forensicMedicine = "forensic_medicine"
    case physicalEvidence = "physical_evidence"
    case audioVisualElectronic = "audio_visual_electronic"
    case environmentalDamage = "environmental_damage"

    var proto: Fawang_Appraisal_V1_AppraisalCategory {
        switch self {
        case .forensicMedicine: .forensicMedicine
        case .physicalEvidence: .physicalEvidence
        case .audioVisualElectronic: .audioVisualElectronic
        case .environmentalDamage: .environmentalDamage
        }
    }

    init?(_ proto: Fawang_Appraisal_V1_AppraisalCategory) {
        guard let category = Self.allCases.first(where: { $0.proto == proto }) else { return nil }
        self = category
    }

    var label: String {
        switch self {
        case .forensicMedicine: "法医类"
        case .physicalEvidence: "物证类"
        case .audioVisualElectronic: "声像资料/电子数据类"
        case .environmentalDamage: "环境损害类"
        }
    }

    /// Categories stored as a comma-separated list of raw values.
    static func parse(list: String) -> [AppraisalCategory] {
        list.split(separator: ",").compactMap { AppraisalCategory(rawValue: String($0).trimmingCharacters(in: .whitespaces)) }
    }

    static func list(_ categories: [AppraisalCategory]) -> String { categories.map(\.rawValue).joined(separator: ",") }
}

/// Who entrusts the appraisal.
enum EntrusterType: String, Codable, CaseIterable, Sendable {
    case court
    case procuratorate
    case publicSecurity = "public_security"
    case party

    var proto: Fawang_Appraisal_V1_EntrusterType {
        switch self {
        case .court: .court
        case .procuratorate: .procuratorate
        case .publicSecurity: .publicSecurity
        case .party: .party
        }
    }

    init?(_ proto: Fawang_Appraisal_V1_EntrusterType) {
        guard let type = Self.allCases.first(where: { $0.proto == proto }) else { return nil }
        self = type
    }

    var isAuthority: Bool { self != .party }

    var label: String {
        switch self {
        case .court: "人民法院"
        case .procuratorate: "人民检察院"
        case .publicSecurity: "公安机关"
        case .party: "当事人"
        }
    }
}

/// Why an institution does not accept an entrustment (通则 第十五条（待确认）).
enum NonAcceptanceGround: String, Codable, CaseIterable, Sendable {
    case outOfScope = "out_of_scope"
    case defectiveMaterials = "defective_materials"
    case unlawfulPurpose = "unlawful_purpose"
    case nonconformingRequirements = "nonconforming_requirements"
    case beyondCapability = "beyond_capability"
    case duplicateEntrustment = "duplicate_entrustment"
    case other

    var proto: Fawang_Appraisal_V1_NonAcceptanceGround {
        switch self {
        case .outOfScope: .outOfScope
        case .defectiveMaterials: .defectiveMaterials
        case .unlawfulPurpose: .unlawfulPurpose
        case .nonconformingRequirements: .nonconformingRequirements
        case .beyondCapability: .beyondCapability
        case .duplicateEntrustment: .duplicateEntrustment
        case .other: .other
        }
    }

    init?(_ proto: Fawang_Appraisal_V1_NonAcceptanceGround) {
        guard let ground = Self.allCases.first(where: { $0.proto == proto }) else { return nil }
        self = ground
    }

    var label: String {
        switch self {
        case .outOfScope: "委托鉴定事项超出本机构司法鉴定业务范围"
        case .defectiveMaterials: "鉴定材料不真实、不完整、不充分或者取得方式不合法"
        case .unlawfulPurpose: "鉴定用途不合法或者违背社会公德"
        case .nonconformingRequirements: "鉴定要求不符合司法鉴定执业规则或者相关鉴定技术规范"
        case .beyondCapability: "鉴定要求超出本机构技术条件或者鉴定能力"
        case .duplicateEntrustment: "委托人就同一鉴定事项同时委托其他司法鉴定机构进行鉴定"
        case .other: "其他不符合法律、法规、规章规定的情形"
        }
    }
}

/// What the institution asks for while appraising.
enum MaterialsRequestKind: String, Codable, CaseIterable, Sendable {
    case supplement
    case reExtract = "re_extract"

    init?(_ proto: Fawang_Appraisal_V1_MaterialsRequestKind) {
        switch proto {
        case .supplement: self = .supplement
        case .reExtract: self = .reExtract
        default: return nil
        }
    }

    var label: String {
        switch self {
        case .supplement: "补充鉴定材料"
        case .reExtract: "重新提取鉴定材料"
        }
    }
}

/// How a complaint against an appraiser ends.
enum ComplaintOutcome: String, Codable, CaseIterable, Sendable {
    case unfounded
    case correctionOrdered = "correction_ordered"
    case admonished
    case penaltyReferred = "penalty_referred"

    init?(_ proto: Fawang_Appraisal_V1_ComplaintOutcome) {
        switch proto {
        case .unfounded: self = .unfounded
        case .correctionOrdered: self = .correctionOrdered
        case .admonished: self = .admonished
        case .penaltyReferred: self = .penaltyReferred
        default: return nil
        }
    }

    var label: String {
        switch self {
        case .unfounded: "投诉不成立"
        case .correctionOrdered: "责令改正"
        case .admonished: "批评教育、训诫"
        case .penaltyReferred: "移送立案调查，依法给予行政处罚"
        }
    }
}

/// An institution of the register, as far as the rules need it.
struct InstitutionRecord: Codable, Equatable, Sendable {
    var id: String
    var name: String
    var regionCode: String
    var categories: [AppraisalCategory]
    var active: Bool
    var licenseNumber = ""
}

/// An appraiser of the register, as far as the rules need it.
struct AppraiserRecord: Codable, Equatable, Sendable {
    var id: String
    var name: String
    var institutionID: String
    var categories: [AppraisalCategory]
    var active: Bool
    var licenseNumber = ""
}

struct AppraiserRef: Codable, Equatable, Sendable {
    var id: String
    var name: String
}

/// The entrustment content of a matter (`Matter.details`).
struct EntrustmentDetails: Codable, Equatable, Sendable {
    var entrusterType: EntrusterType
    var entrusterOrganization: String
    var caseNumber: String
    var institutionID: String
    var institutionName: String
    var category: AppraisalCategory
    var appraisalMatters: String
    var purpose: String
    var caseSummary: String
    var materials: [String]
    var appraisers: [AppraiserRef] = []
    var missingMaterials: [String] = []
    var materialsRequestKind: MaterialsRequestKind?
    var nonAcceptanceGrounds: [NonAcceptanceGround] = []
    var nonAcceptanceReasons: String?
    var opinionNumber: String?
    var opinionSummary: String?
}

/// The complaint content of a matter (`Matter.details`).
struct ComplaintDetails: Codable, Equatable, Sendable {
    var appraiserID: String
    var appraiserName: String
    var institutionID: String
    var institutionName: String
    var entrustmentTrackingNumber: String
    var facts: String
    var materials: [String]
    var rejectionReasons: String?
    var outcome: ComplaintOutcome?
    var findings: String?
}

/// Validation of an entrustment and the register checks (category, appraisers).
enum AppraisalRules {
    /// Default number of appraisers per matter: 通则 第十九条（待确认） has an institution assign
    /// two appraisers to a matter (more for complex ones). Configurable through
    /// `JudicialAppraisalPlugin(minimumAppraisers:)`.
    static let defaultMinimumAppraisers = 2

    /// The validated form of `request` (before the register checks), or `INVALID_ARGUMENT`
    /// listing every bad field.
    static func validate(_ request: Fawang_Appraisal_V1_SubmitEntrustmentRequest) throws(FawangError) -> (Handling, Person, EntrustmentDetails) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let type = EntrusterType(request.entruster.type)
        check.require(type != nil, "entruster.type", "请选择委托人类型：人民法院、人民检察院、公安机关或当事人")
        // An official's identity number is not needed; a party's is.
        let contact = check.person(request.entruster.contact, field: "entruster.contact", label: type?.isAuthority == true ? "办案人员" : "委托人", idRequired: type == .party)
        if let type, type.isAuthority {
            check.requireText(request.entruster.organization, "entruster.organization", label: "委托的\(type.label)名称", maxLength: 100)
            // Who may enter an authority's entrustment depends on the signed-in caller, not on
            // the channel or operator id the request claims: see `mayEnterAuthorityEntrustment`.
        }
        check.require(request.entruster.organization.count <= 100, "entruster.organization", "委托单位名称不能超过100字")
        check.require(request.entruster.caseNumber.count <= 100, "entruster.case_number", "案号不能超过100字")
        check.requireText(request.institutionID, "institution_id", label: "委托的司法鉴定机构", maxLength: 64)
        check.require(AppraisalCategory(request.category) != nil, "category", "请选择鉴定类别：法医类、物证类、声像资料/电子数据类或环境损害类")
        check.requireText(request.appraisalMatters, "appraisal_matters", label: "鉴定事项", maxLength: 500)
        check.requireText(request.purpose, "purpose", label: "鉴定用途", maxLength: 200)
        check.require(request.caseSummary.count <= 2000, "case_summary", "案情摘要不能超过2000字")
        check.require(!request.materials.isEmpty, "materials", "请列明提交的鉴定材料")
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        let details = EntrustmentDetails(
            entrusterType: type!, entrusterOrganization: request.entruster.organization, caseNumber: request.entruster.caseNumber,
            institutionID: request.institutionID, institutionName: "", category: AppraisalCategory(request.category)!,
            appraisalMatters: request.appraisalMatters, purpose: request.purpose, caseSummary: request.caseSummary,
            materials: request.materials)
        return (try check.checked(handling, "the channel context"), contact, details)
    }

    /// The validated form of a complaint (before the register check of the appraiser), or
    /// `INVALID_ARGUMENT` listing every bad field.
    static func validate(_ request: Fawang_Appraisal_V1_SubmitComplaintRequest) throws(FawangError) -> (Handling, Person) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let complainant = check.person(request.complainant, field: "complainant", label: "投诉人")
        check.requireText(request.appraiserID, "appraiser_id", label: "被投诉的司法鉴定人", maxLength: 64)
        if !request.entrustmentTrackingNumber.isEmpty, TrackingNumber(request.entrustmentTrackingNumber) == nil {
            check.fail("entrustment_tracking_number", "受理编号应为16位数字且校验位正确")
        }
        check.requireText(request.facts, "facts", label: "投诉的事实和理由", maxLength: 4000)
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        return (try check.checked(handling, "the channel context"), complainant)
    }

    /// Whether `caller` may enter an entrustment in an authority's name: a connected system
    /// (service account) or judicial appraisal staff — never an anonymous or citizen caller,
    /// whatever channel or operator id the request names.
    static func mayEnterAuthorityEntrustment(_ caller: Principal?) -> Bool {
        guard let caller else { return false }
        return caller.role == .service || caller.mayHandle(businessLine: AppraisalWorkflow.businessLine, regionCode: caller.regionCode)
    }

    /// Why `institution` cannot take an entrustment of `category`, as a field violation on
    /// `category` (or `institution_id` when it is not practising).
    static func institutionProblem(_ institution: InstitutionRecord, category: AppraisalCategory) -> FawangError.FieldViolation? {
        guard institution.active else {
            return .init(field: "institution_id", reason: "\(institution.name)目前暂停执业，不能接受委托")
        }
        guard institution.categories.contains(category) else {
            let licensed = institution.categories.map(\.label).joined(separator: "、")
            return .init(field: "category", reason: "\(institution.name)未获准从事\(category.label)司法鉴定业务（其执业类别为：\(licensed)），请选择其他鉴定机构")
        }
        return nil
    }

    /// Violations of the appraisers chosen for an entrustment: at least `minimum` distinct ones
    /// (通则 第十九条（待确认）), each of `institutionID`, practising and licensed for `category`.
    /// `records[i]` is the register entry of `ids[i]`, nil if there is none.
    static func appraiserProblems(
        ids: [String], records: [AppraiserRecord?], institutionID: String, category: AppraisalCategory, minimum: Int
    ) -> [FawangError.FieldViolation] {
        var problems: [FawangError.FieldViolation] = []
        if Set(ids).count < minimum || ids.count != Set(ids).count {
            problems.append(.init(field: "appraiser_ids", reason: "同一鉴定事项应当指定不少于\(minimum)名不同的司法鉴定人（\(AppraisalRulesText.article("第十九条"))）"))
        }
        for (index, id) in ids.enumerated() {
            let field = "appraiser_ids[\(index)]"
            guard let record = index < records.count ? records[index] : nil else {
                problems.append(.init(field: field, reason: "未找到编号为 \(id) 的司法鉴定人"))
                continue
            }
            if record.institutionID != institutionID {
                problems.append(.init(field: field, reason: "司法鉴定人\(record.name)不在受托鉴定机构执业"))
            } else if !record.active {
                problems.append(.init(field: field, reason: "司法鉴定人\(record.name)目前暂停执业"))
            } else if !record.categories.contains(category) {
                let held = record.categories.map(\.label).joined(separator: "、")
                problems.append(.init(field: field, reason: "司法鉴定人\(record.name)未取得\(category.label)鉴定执业资格（其执业类别为：\(held)）"))
            }
        }
        return problems
    }
}
