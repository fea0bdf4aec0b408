import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

// The rules of 中华人民共和国公证法 (2017 amendment) that the notarization module enforces. Each
// cites its article; docs/business-lines.md lists them with the tests that pin them.

enum NotarizationLaw {
    static let name = "《中华人民共和国公证法》"
    static func article(_ text: String) -> String { name + text }
}

/// The notarial matter applied for (Art. 11).
enum NotarialMatterKind: String, Codable, CaseIterable, Sendable {
    case birth
    case kinship
    case education
    case degree
    case noCriminalRecord = "no_criminal_record"
    case maritalStatus = "marital_status"
    case contract
    case inheritance
    case powerOfAttorney = "power_of_attorney"
    case declaration
    case gift
    case will
    case copyConformity = "copy_conformity"

    var proto: Fawang_Notarization_V1_NotarialMatterKind {
        switch self {
        case .birth: .birth
        case .kinship: .kinship
        case .education: .education
        case .degree: .degree
        case .noCriminalRecord: .noCriminalRecord
        case .maritalStatus: .maritalStatus
        case .contract: .contract
        case .inheritance: .inheritance
        case .powerOfAttorney: .powerOfAttorney
        case .declaration: .declaration
        case .gift: .gift
        case .will: .will
        case .copyConformity: .copyConformity
        }
    }

    init?(_ proto: Fawang_Notarization_V1_NotarialMatterKind) {
        guard let kind = Self.allCases.first(where: { $0.proto == proto }) else { return nil }
        self = kind
    }

    /// The kind's rules: what it is called, its article and the materials it needs.
    var rule: NotarialMatterRule { NotarialMatterRule.table[self]! }
}

/// What one kind of notarial matter needs. The materials are those the notary office examines
/// under Art. 28 (identity, documents, proof); every application needs the applicant's identity.
struct NotarialMatterRule: Sendable, Equatable {
    var kind: NotarialMatterKind
    var nameZH: String
    /// Its item of Art. 11.
    var article: String
    var requiredMaterials: [String]
    /// Art. 26: matters that the party must apply for in person (a will, survival, adoption).
    var inPersonOnly = false
    /// Art. 25 para. 2, second sentence: an entrustment, declaration, gift or will involving
    /// immovable property may still be notarised at the ordinary places of para. 1.
    var immovableMayUseGeneralPlace = false

    static let identity = "申请人身份证明"
    /// Art. 25 para. 2: a matter involving immovable property needs its title certificate.
    static let immovableTitle = "不动产权属证书"

    static let table: [NotarialMatterKind: NotarialMatterRule] = {
        let art11 = { (item: String) in NotarizationLaw.article("第十一条第\(item)项") }
        let rules = [
            NotarialMatterRule(kind: .birth, nameZH: "出生公证", article: art11("七"), requiredMaterials: [identity, "居民户口簿", "出生医学证明"]),
            NotarialMatterRule(kind: .kinship, nameZH: "亲属关系公证", article: art11("六"), requiredMaterials: [identity, "居民户口簿", "亲属关系证明"]),
            NotarialMatterRule(kind: .education, nameZH: "学历公证", article: art11("七"), requiredMaterials: [identity, "学历证书"]),
            NotarialMatterRule(kind: .degree, nameZH: "学位公证", article: art11("七"), requiredMaterials: [identity, "学位证书"]),
            NotarialMatterRule(kind: .noCriminalRecord, nameZH: "无犯罪记录公证", article: art11("七"), requiredMaterials: [identity, "无犯罪记录证明"]),
            NotarialMatterRule(kind: .maritalStatus, nameZH: "婚姻状况公证", article: art11("六"), requiredMaterials: [identity, "居民户口簿", "婚姻状况证明"]),
            NotarialMatterRule(kind: .contract, nameZH: "合同公证", article: art11("一"), requiredMaterials: [identity, "合同文本", "合同各方主体资格证明"]),
            NotarialMatterRule(kind: .inheritance, nameZH: "继承公证", article: art11("二"), requiredMaterials: [identity, "被继承人死亡证明", "亲属关系证明", "遗产权属证明"]),
            NotarialMatterRule(kind: .powerOfAttorney, nameZH: "委托公证", article: art11("三"), requiredMaterials: [identity, "委托书", "受托人身份证明"], immovableMayUseGeneralPlace: true),
            NotarialMatterRule(kind: .declaration, nameZH: "声明公证", article: art11("三"), requiredMaterials: [identity, "声明书"], immovableMayUseGeneralPlace: true),
            NotarialMatterRule(kind: .gift, nameZH: "赠与公证", article: art11("三"), requiredMaterials: [identity, "赠与书", "赠与财产权属证明"], immovableMayUseGeneralPlace: true),
            NotarialMatterRule(kind: .will, nameZH: "遗嘱公证", article: art11("三"), requiredMaterials: [identity, "遗嘱草稿", "遗嘱所涉财产权属证明"], inPersonOnly: true, immovableMayUseGeneralPlace: true),
            NotarialMatterRule(kind: .copyConformity, nameZH: "文书副本、影印本与原本相符公证", article: art11("十"), requiredMaterials: [identity, "文书原本", "文书副本或影印本"]),
        ]
        return Dictionary(uniqueKeysWithValues: rules.map { ($0.kind, $0) })
    }()

    /// The materials an application of this kind must list (Art. 28), with the title
    /// certificate when it involves immovable property.
    func materials(involvingImmovable: Bool) -> [String] {
        involvingImmovable ? requiredMaterials + [Self.immovableTitle] : requiredMaterials
    }

    /// Required materials missing from `handedIn`, in the rule's order (names compared without
    /// surrounding blanks).
    func missing(from handedIn: [String], involvingImmovable: Bool) -> [String] {
        let given = Set(handedIn.map { $0.trimmingCharacters(in: .whitespaces) })
        return materials(involvingImmovable: involvingImmovable).filter { !given.contains($0) }
    }
}

/// The demo fee schedule (示例收费标准). Art. 34: parties pay notarial fees "按照规定" — the
/// amounts are set by the autonomous region's price authority together with the justice
/// department, not by this code. These figures only seed the `notarization_fees` table of a demo
/// database; a deployment loads its province's official schedule into that table instead.
enum DemoFeeSchedule {
    static let basis = "演示收费标准（非正式）：公证费按自治区价格主管部门会同司法行政部门核定的标准收取（公证法第三十四条）"
    static let province = "640000"

    static let yuan: [NotarialMatterKind: Int64] = [
        .birth: 80, .kinship: 80, .education: 80, .degree: 80, .noCriminalRecord: 80, .maritalStatus: 80,
        .contract: 300, .inheritance: 500, .powerOfAttorney: 200, .declaration: 200, .gift: 300, .will: 400,
        .copyConformity: 50,
    ]
}

/// Why the chosen place may notarise the matter (Art. 25).
enum PlaceBasis: String, Codable, CaseIterable, Sendable {
    case domicile
    case habitualResidence = "habitual_residence"
    case placeOfAct = "place_of_act"
    case placeOfFact = "place_of_fact"
    case immovableLocation = "immovable_location"

    var proto: Fawang_Notarization_V1_PlaceBasis {
        switch self {
        case .domicile: .domicile
        case .habitualResidence: .habitualResidence
        case .placeOfAct: .placeOfAct
        case .placeOfFact: .placeOfFact
        case .immovableLocation: .immovableLocation
        }
    }

    init?(_ proto: Fawang_Notarization_V1_PlaceBasis) {
        guard let basis = Self.allCases.first(where: { $0.proto == proto }) else { return nil }
        self = basis
    }

    var label: String {
        switch self {
        case .domicile: "住所地"
        case .habitualResidence: "经常居住地"
        case .placeOfAct: "行为地"
        case .placeOfFact: "事实发生地"
        case .immovableLocation: "不动产所在地"
        }
    }
}

/// The grounds for not notarising (Art. 31).
enum RefusalGround: String, Codable, CaseIterable, Sendable {
    case incapacitatedWithoutGuardian = "incapacitated_without_guardian"
    case noInterest = "no_interest"
    case technicalAppraisal = "technical_appraisal"
    case disputed
    case falseMaterials = "false_materials"
    case insufficientMaterials = "insufficient_materials"
    case untrueOrUnlawful = "untrue_or_unlawful"
    case againstSocialMorality = "against_social_morality"
    case feeNotPaid = "fee_not_paid"

    var proto: Fawang_Notarization_V1_RefusalGround {
        switch self {
        case .incapacitatedWithoutGuardian: .incapacitatedWithoutGuardian
        case .noInterest: .noInterest
        case .technicalAppraisal: .technicalAppraisal
        case .disputed: .disputed
        case .falseMaterials: .falseMaterials
        case .insufficientMaterials: .insufficientMaterials
        case .untrueOrUnlawful: .untrueOrUnlawful
        case .againstSocialMorality: .againstSocialMorality
        case .feeNotPaid: .feeNotPaid
        }
    }

    init?(_ proto: Fawang_Notarization_V1_RefusalGround) {
        guard let ground = Self.allCases.first(where: { $0.proto == proto }) else { return nil }
        self = ground
    }

    /// Its item of Art. 31.
    var item: String {
        switch self {
        case .incapacitatedWithoutGuardian: "一"
        case .noInterest: "二"
        case .technicalAppraisal: "三"
        case .disputed: "四"
        case .falseMaterials: "五"
        case .insufficientMaterials: "六"
        case .untrueOrUnlawful: "七"
        case .againstSocialMorality: "八"
        case .feeNotPaid: "九"
        }
    }

    /// "当事人之间对申请公证的事项有争议（第三十一条第四项）".
    var label: String {
        let text = switch self {
        case .incapacitatedWithoutGuardian: "无民事行为能力人或者限制民事行为能力人没有监护人代理申请"
        case .noInterest: "当事人与申请公证的事项没有利害关系"
        case .technicalAppraisal: "申请公证的事项属专业技术鉴定、评估事项"
        case .disputed: "当事人之间对申请公证的事项有争议"
        case .falseMaterials: "当事人虚构、隐瞒事实，或者提供虚假证明材料"
        case .insufficientMaterials: "当事人提供的证明材料不充分或者拒绝补充证明材料"
        case .untrueOrUnlawful: "申请公证的事项不真实、不合法"
        case .againstSocialMorality: "申请公证的事项违背社会公德"
        case .feeNotPaid: "当事人拒绝按照规定支付公证费"
        }
        return "\(text)（第三十一条第\(item)项）"
    }
}

/// The issuing office's decision on a review (Art. 39).
enum ReviewOutcome: String, Codable, CaseIterable, Sendable {
    case upheld
    case corrected
    case revoked

    init?(_ proto: Fawang_Notarization_V1_ReviewOutcome) {
        switch proto {
        case .upheld: self = .upheld
        case .corrected: self = .corrected
        case .revoked: self = .revoked
        default: return nil
        }
    }
}

struct OfficeAssignment: Codable, Equatable, Sendable {
    var officeID: String
    var name: String
    var regionCode: String
    var certificatePrefix: String
}

struct ReviewRecord: Codable, Equatable, Sendable {
    var reasons: String
    var outcome: ReviewOutcome?
    var explanation: String?
}

/// The notarization content of a matter (`Matter.details`).
struct NotarizationDetails: Codable, Equatable, Sendable {
    var kind: NotarialMatterKind
    var placeBasis: PlaceBasis
    var involvesImmovable: Bool
    var purpose: String
    var description: String
    var materials: [String]
    var legalAidEligible: Bool
    // The agent (if any) is a party of the matter, not part of the details: the details JSON is
    // shown to everyone who may see the matter, unmasked, while parties' identity numbers and
    // phones are masked for the public.
    /// Outstanding items of the latest request for supplementary proof (Art. 27 para. 1).
    var missingMaterials: [String] = []
    var office: OfficeAssignment?
    var notaryName: String?
    /// What the applicant was told at acceptance (Art. 27 para. 2).
    var legalNotice: String?
    var feeYuan: Int64?
    var feeWaived = false
    var certificateNumber: String?
    var refusalGrounds: [RefusalGround] = []
    var refusalReasons: String?
    var reviews: [ReviewRecord] = []
}

/// Validation of a submitted application: every problem reported at once, each with its field.
enum NotarizationApplication {
    /// The validated content of `request` (channel, applicant, agent if any, details), or
    /// `INVALID_ARGUMENT` listing every bad field.
    static func validate(_ request: Fawang_Notarization_V1_SubmitApplicationRequest) throws(FawangError) -> (Handling, Person, Person?, NotarizationDetails) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let applicant = check.person(request.applicant, field: "applicant", label: "申请人")
        var agent: Person?
        if request.hasAgent {
            agent = check.person(request.agent, field: "agent", label: "代理人")
        }
        check.divisionCode(request.regionCode)

        let kind = NotarialMatterKind(request.matterKind)
        check.require(kind != nil, "matter_kind", "请选择公证事项（第十一条），可先查询公证事项及所需材料")
        let basis = PlaceBasis(request.placeBasis)
        check.require(basis != nil, "place_basis", "请注明向该地申请的依据：住所地、经常居住地、行为地、事实发生地或不动产所在地（第二十五条）")
        check.require(request.purpose.count <= 200, "purpose", "公证用途不能超过200字")
        check.require(request.description_p.count <= 2000, "description", "情况说明不能超过2000字")
        check.checkMaterialNames(request.materials, field: "materials")

        if let kind {
            let rule = kind.rule
            // Art. 26: a will (like survival and adoption) is notarised in person, never by an agent.
            if rule.inPersonOnly, request.hasAgent {
                check.fail("agent", "\(rule.nameZH)应当由本人办理，不能委托他人代为申请（\(NotarizationLaw.article("第二十六条"))）")
            }
            // Art. 25 para. 2: immovable property is notarised where it lies, except an
            // entrustment, declaration, gift or will, which may use the places of para. 1.
            if request.involvesImmovable, !rule.immovableMayUseGeneralPlace, let basis, basis != .immovableLocation {
                check.fail("place_basis", "涉及不动产的\(rule.nameZH)应当向不动产所在地的公证机构提出，请将申请地点填写为不动产所在地（\(NotarizationLaw.article("第二十五条第二款"))）")
            }
            // Art. 28: the office examines identity, documents and proof; an application that
            // lacks a required material is incomplete. Each missing one is named.
            for material in rule.missing(from: request.materials, involvingImmovable: request.involvesImmovable) {
                check.fail("materials", "缺少\(rule.nameZH)必备材料「\(material)」（\(NotarizationLaw.article("第二十七条、第二十八条"))）")
            }
        }
        if basis == .immovableLocation, !request.involvesImmovable {
            check.fail("involves_immovable", "以不动产所在地为申请地点的，应当注明涉及不动产（第二十五条第二款）")
        }
        try check.check()

        let details = NotarizationDetails(
            kind: kind!, placeBasis: basis!, involvesImmovable: request.involvesImmovable, purpose: request.purpose,
            description: request.description_p, materials: request.materials.map { $0.trimmingCharacters(in: .whitespaces) },
            legalAidEligible: request.legalAidEligible)
        return (try check.checked(handling, "the channel context"), applicant, agent, details)
    }
}
