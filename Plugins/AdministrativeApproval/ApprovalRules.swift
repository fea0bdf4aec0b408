import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

// The licensing items and the validation of applications under 中华人民共和国行政许可法 (2019).
// Pure: no I/O. docs/business-lines.md lists every rule with the test pinning it.

/// A licensing item of the justice administration, with what it needs and who decides it.
enum LicensingItem: String, Codable, CaseIterable, Sendable {
    case lawFirmEstablishment = "law_firm_establishment"
    case notaryOfficeEstablishment = "notary_office_establishment"
    case judicialAppraisalRegistration = "judicial_appraisal_institution_registration"
    case grassrootsLegalWorkerPractice = "grassroots_legal_service_worker_practice"

    init?(_ proto: Fawang_Approval_V1_LicensingItem) {
        switch proto {
        case .lawFirmEstablishment: self = .lawFirmEstablishment
        case .notaryOfficeEstablishment: self = .notaryOfficeEstablishment
        case .judicialAppraisalInstitutionRegistration: self = .judicialAppraisalRegistration
        case .grassrootsLegalServiceWorkerPractice: self = .grassrootsLegalWorkerPractice
        default: return nil
        }
    }

    var proto: Fawang_Approval_V1_LicensingItem {
        switch self {
        case .lawFirmEstablishment: .lawFirmEstablishment
        case .notaryOfficeEstablishment: .notaryOfficeEstablishment
        case .judicialAppraisalRegistration: .judicialAppraisalInstitutionRegistration
        case .grassrootsLegalWorkerPractice: .grassrootsLegalServiceWorkerPractice
        }
    }

    var name: String {
        switch self {
        case .lawFirmEstablishment: "律师事务所设立"
        case .notaryOfficeEstablishment: "公证机构设立"
        case .judicialAppraisalRegistration: "司法鉴定机构登记"
        case .grassrootsLegalWorkerPractice: "基层法律服务工作者执业"
        }
    }

    /// Short code in the licence number.
    var code: String {
        switch self {
        case .lawFirmEstablishment: "律所"
        case .notaryOfficeEstablishment: "公证"
        case .judicialAppraisalRegistration: "鉴定"
        case .grassrootsLegalWorkerPractice: "基层"
        }
    }

    /// 行政许可法 第四十三条: reviewed by the lower agency, decided by the upper one.
    var isTwoLevel: Bool { self != .judicialAppraisalRegistration }

    /// The division level (1 province, 2 city, 3 county) of the bureau the application goes to.
    var acceptingLevel: Int {
        switch self {
        case .lawFirmEstablishment, .notaryOfficeEstablishment: 2
        case .judicialAppraisalRegistration: 1
        case .grassrootsLegalWorkerPractice: 3
        }
    }

    static func levelName(_ level: Int) -> String {
        switch level {
        case 1: "省、自治区、直辖市司法行政部门"
        case 2: "设区的市级司法行政部门"
        default: "县级司法行政机关"
        }
    }

    var acceptingLevelName: String { Self.levelName(acceptingLevel) }
    var decidingLevelName: String { Self.levelName(isTwoLevel ? acceptingLevel - 1 : acceptingLevel) }

    /// The special law naming the authorities. Items whose basis is not in the corpus are marked
    /// to be confirmed.
    var basis: String {
        switch self {
        case .lawFirmEstablishment: "《中华人民共和国律师法》第十四条至第十六条、第十八条"
        case .notaryOfficeEstablishment: "《中华人民共和国公证法》第八条、第九条"
        case .judicialAppraisalRegistration: "《全国人民代表大会常务委员会关于司法鉴定管理问题的决定》（待确认）"
        case .grassrootsLegalWorkerPractice: "《基层法律服务工作者管理办法》（待确认）"
        }
    }

    /// Needs the name of the organisation being set up or registered.
    var needsOrganizationName: Bool { self != .grassrootsLegalWorkerPractice }

    var requiredMaterials: [String] {
        switch self {
        case .lawFirmEstablishment:
            ["设立申请书", "律师事务所名称、住所证明", "律师事务所章程", "设立人名单、简历及律师执业证书", "资产证明",
             "合伙协议（设立合伙律师事务所的）"]
        case .notaryOfficeEstablishment:
            ["设立申请书", "公证机构名称及固定场所证明", "二名以上公证员名单及执业证书", "开展公证业务所必需的资金证明"]
        case .judicialAppraisalRegistration:
            ["登记申请书", "机构名称、住所及章程", "司法鉴定人名单及执业资格证明", "仪器设备及检测实验室证明", "资金证明"]
        case .grassrootsLegalWorkerPractice:
            ["执业申请书", "申请人身份证明", "学历证明或法律职业资格证明", "基层法律服务所同意接收的证明", "实习考核合格材料"]
        }
    }
}

/// Grounds for not accepting an application (Art. 32 para. 1).
enum NonAcceptanceGround: String, Codable, Sendable {
    case noLicenceRequired = "no_licence_required"
    case outsideCompetence = "outside_competence"
    case correctionsNotSupplied = "corrections_not_supplied"

    init?(_ proto: Fawang_Approval_V1_NonAcceptanceGround) {
        switch proto {
        case .noLicenceRequired: self = .noLicenceRequired
        case .outsideCompetence: self = .outsideCompetence
        case .correctionsNotSupplied: self = .correctionsNotSupplied
        default: return nil
        }
    }

    var label: String {
        switch self {
        case .noLicenceRequired: "申请事项依法不需要取得行政许可（第三十二条第一款第一项）"
        case .outsideCompetence: "申请事项依法不属于本行政机关职权范围（第三十二条第一款第二项）"
        case .correctionsNotSupplied: "申请人未按要求提交全部补正材料（第三十二条第一款第四项、第五项）"
        }
    }
}

struct NonAcceptance: Codable, Equatable, Sendable {
    var ground: NonAcceptanceGround
    var reasons: String
    var competentAuthority: String
}

struct LowerReview: Codable, Equatable, Sendable {
    var opinion: String
    var recommendApproval: Bool
    var reviewedBy: String
}

struct Denial: Codable, Equatable, Sendable {
    var reasons: String
    /// The remedies notice of Art. 38 para. 2, as told to the applicant.
    var remedies: String
}

/// The administrative approval content of a matter (`Matter.details`).
struct ApprovalDetails: Codable, Equatable, Sendable {
    var item: LicensingItem
    var organizationName: String
    var summary: String
    var materials: [String]
    /// Outstanding items of the one correction notice (Art. 32(4)).
    var missingMaterials: [String] = []
    var nonAcceptance: NonAcceptance?
    var lowerReview: LowerReview?
    var licenceNumber: String?
    var denial: Denial?
    var delivery: String?
}

/// Validation of a submitted application: every problem reported at once, each with its field.
enum ApprovalApplication {
    static func validate(_ request: Fawang_Approval_V1_SubmitApplicationRequest) throws(FawangError) -> (Handling, Person, ApprovalDetails) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let applicant = check.person(request.applicant, field: "applicant", label: "申请人")
        check.divisionCode(request.regionCode)
        let item = LicensingItem(request.item)
        check.require(item != nil, "item", "请选择行政许可事项：律师事务所设立、公证机构设立、司法鉴定机构登记或基层法律服务工作者执业")
        check.requireText(request.summary, "summary", label: "申请事项说明", maxLength: 2000)
        if let item {
            if item.needsOrganizationName {
                check.requireText(request.organizationName, "organization_name", label: "拟设立（登记）机构的名称", maxLength: 100)
            } else {
                check.require(request.organizationName.count <= 100, "organization_name", "执业机构名称不能超过100字")
            }
            // Each item is applied for at the level the special law names (律师法 第十八条,
            // 公证法 第九条); the wrong bureau would have to refuse it under Art. 32(2).
            if DivisionCode.isWellFormed(request.regionCode), DivisionCode.level(of: request.regionCode) != item.acceptingLevel {
                check.fail("region_code", "\(item.name)应当向\(item.acceptingLevelName)提出申请（\(item.basis)），请填写该级行政区划代码")
            }
        }
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        let details = ApprovalDetails(
            item: item!, organizationName: request.organizationName.trimmingCharacters(in: .whitespaces),
            summary: request.summary, materials: request.materials)
        return (try check.checked(handling, "the channel context"), applicant, details)
    }

    /// The remedies notice of a refusal (Art. 38 para. 2).
    static func remediesNotice(reconsiderationOrgan: String, court: String) -> String {
        let organ = reconsiderationOrgan.isEmpty ? "" : "向\(reconsiderationOrgan)"
        let courtText = court.isEmpty ? "" : "向\(court)"
        return "申请人如不服本决定，可以依法\(organ)申请行政复议，或者依法\(courtText)提起行政诉讼（《中华人民共和国行政许可法》第三十八条第二款）。"
    }

    /// The licence number issued with an approval: unique because the tracking number is.
    static func licenceNumber(item: LicensingItem, trackingNumber: TrackingNumber, year: Int) -> String {
        "宁司许\(item.code)〔\(year)〕\(trackingNumber.digits)号"
    }
}
