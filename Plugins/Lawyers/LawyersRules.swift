import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

// The rules of 中华人民共和国律师法 (2017) that the lawyers module enforces. Pure: no I/O.
// docs/business-lines.md lists every rule with the test pinning it.

let lawyersLaw = "《中华人民共和国律师法》"

enum RegisterStatus: String, Codable, Sendable {
    case practising, suspended, revoked

    var proto: Fawang_Lawyers_V1_LawyerStatus {
        switch self {
        case .practising: .practising
        case .suspended: .suspended
        case .revoked: .revoked
        }
    }

    func label(firm: Bool) -> String {
        switch self {
        case .practising: firm ? "正常执业" : "执业"
        case .suspended: firm ? "停业整顿" : "停止执业"
        case .revoked: "执业证书已吊销"
        }
    }
}

enum FirmKind: String, Codable, Sendable {
    case partnership, sole

    init?(_ proto: Fawang_Lawyers_V1_FirmKind) {
        switch proto {
        case .partnership: self = .partnership
        case .sole: self = .sole
        default: return nil
        }
    }

    var proto: Fawang_Lawyers_V1_FirmKind { self == .partnership ? .partnership : .sole }
}

/// Grounds for refusing a licence: Art. 7 for practice certificates, Arts. 5 and 14–16 for conditions.
enum RefusalGround: String, Codable, Sendable {
    case noCivilCapacity = "no_civil_capacity"
    case criminalPunishment = "criminal_punishment"
    case expelledOrRevoked = "expelled_or_revoked"
    case practiceConditionsNotMet = "practice_conditions_not_met"
    case firmConditionsNotMet = "firm_conditions_not_met"

    init?(_ proto: Fawang_Lawyers_V1_RefusalGround) {
        switch proto {
        case .noCivilCapacity: self = .noCivilCapacity
        case .criminalPunishment: self = .criminalPunishment
        case .expelledOrRevoked: self = .expelledOrRevoked
        case .practiceConditionsNotMet: self = .practiceConditionsNotMet
        case .firmConditionsNotMet: self = .firmConditionsNotMet
        default: return nil
        }
    }

    var label: String {
        switch self {
        case .noCivilCapacity: "无民事行为能力或者限制民事行为能力（第七条第一项）"
        case .criminalPunishment: "受过刑事处罚（过失犯罪除外）（第七条第二项）"
        case .expelledOrRevoked: "被开除公职或者被吊销律师、公证员执业证书（第七条第三项）"
        case .practiceConditionsNotMet: "不符合申请律师执业的条件（第五条）"
        case .firmConditionsNotMet: "不符合设立律师事务所的条件（第十四条至第十六条）"
        }
    }

    /// Art. 7 and Art. 5 concern a lawyer's practice; Arts. 14–16 a firm's establishment.
    var appliesToFirms: Bool { self == .firmConditionsNotMet }
}

// MARK: Penalties (Arts. 47–50)

enum SubjectKind: String, Codable, Sendable {
    case lawyer, firm

    init?(_ proto: Fawang_Lawyers_V1_SubjectKind) {
        switch proto {
        case .lawyer: self = .lawyer
        case .firm: self = .firm
        default: return nil
        }
    }
}

enum PenaltyArticle: String, Codable, Sendable {
    case art47, art48, art49, art50

    init?(_ proto: Fawang_Lawyers_V1_PenaltyArticle) {
        switch proto {
        case .penaltyArticle47: self = .art47
        case .penaltyArticle48: self = .art48
        case .penaltyArticle49: self = .art49
        case .penaltyArticle50: self = .art50
        default: return nil
        }
    }

    var citation: String {
        switch self {
        case .art47: lawyersLaw + "第四十七条"
        case .art48: lawyersLaw + "第四十八条"
        case .art49: lawyersLaw + "第四十九条"
        case .art50: lawyersLaw + "第五十条"
        }
    }

    /// Arts. 47–49 punish lawyers, Art. 50 law firms.
    var subject: SubjectKind { self == .art50 ? .firm : .lawyer }

    /// The highest fine, in yuan.
    var maxFine: Int64 {
        switch self {
        case .art47: 5_000
        case .art48: 10_000
        case .art49: 50_000
        case .art50: 100_000
        }
    }

    /// The allowed length of a suspension, in months.
    var suspensionMonths: ClosedRange<Int> {
        switch self {
        case .art47: 1...3
        case .art48: 3...6
        case .art49: 6...12
        case .art50: 1...6
        }
    }

    /// Art. 49 always suspends (or revokes); a warning alone is not among its penalties.
    var allowsWarning: Bool { self != .art49 }
    /// Revocation: Art. 49 (serious) and Art. 50 (especially serious), by the province.
    var allowsRevocation: Bool { self == .art49 || self == .art50 }
}

enum PenaltyKind: String, Codable, Sendable {
    case warning, suspension, revocation

    init?(_ proto: Fawang_Lawyers_V1_PenaltyKind) {
        switch proto {
        case .warning: self = .warning
        case .suspension: self = .suspension
        case .revocation: self = .revocation
        default: return nil
        }
    }
}

struct Penalty: Codable, Equatable, Sendable {
    var article: PenaltyArticle
    var kind: PenaltyKind
    var suspensionMonths: Int
    var fineYuan: Int64
    var confiscation: Bool

    /// "停止执业四个月，罚款8000元，没收违法所得".
    func describe(subject: SubjectKind) -> String {
        var parts: [String] = []
        switch kind {
        case .warning: parts.append("警告")
        case .suspension: parts.append("\(subject == .firm ? "停业整顿" : "停止执业")\(suspensionMonths)个月")
        case .revocation: parts.append(subject == .firm ? "吊销律师事务所执业证书" : "吊销律师执业证书")
        }
        if fineYuan > 0 { parts.append("罚款\(fineYuan)元") }
        if confiscation { parts.append("没收违法所得") }
        return parts.joined(separator: "，")
    }

    /// Field violations of `penalty` for `subject` (paths under `penalty.`), per Arts. 47–50.
    static func check(_ proto: Fawang_Lawyers_V1_Penalty, subject: SubjectKind, into check: inout FieldValidator) -> Penalty? {
        let article = PenaltyArticle(proto.article)
        let kind = PenaltyKind(proto.kind)
        check.require(article != nil, "penalty.article", "请选择处罚依据：律师法第四十七条至第五十条")
        check.require(kind != nil, "penalty.kind", "请选择处罚种类：警告、停止执业（停业整顿）或吊销执业证书")
        guard let article, let kind else { return nil }
        if article.subject != subject {
            check.fail("penalty.article", subject == .firm
                ? "对律师事务所的处罚依据为律师法第五十条"
                : "对律师个人的处罚依据为律师法第四十七条至第四十九条")
            return nil
        }
        let months = Int(proto.suspensionMonths)
        switch kind {
        case .warning:
            check.require(article.allowsWarning, "penalty.kind", "律师法第四十九条规定的违法行为应当给予停止执业六个月以上一年以下的处罚")
            check.require(months == 0, "penalty.suspension_months", "警告不附停止执业期间")
        case .suspension:
            let range = article.suspensionMonths
            check.require(range.contains(months), "penalty.suspension_months",
                "\(article.citation)规定的\(subject == .firm ? "停业整顿" : "停止执业")期间为\(range.lowerBound)至\(range.upperBound)个月")
        case .revocation:
            check.require(article.allowsRevocation, "penalty.kind", "\(article.citation)未规定吊销执业证书；情节严重的吊销见第四十九条、第五十条")
            check.require(months == 0, "penalty.suspension_months", "吊销执业证书不附停止执业期间")
        }
        check.require(proto.fineYuan >= 0 && proto.fineYuan <= article.maxFine, "penalty.fine_yuan", "\(article.citation)规定的罚款为\(article.maxFine)元以下")
        return Penalty(article: article, kind: kind, suspensionMonths: months, fineYuan: proto.fineYuan, confiscation: proto.confiscateIllegalGains)
    }
}

// MARK: Register rows as the rules see them

struct RegisteredLawyer: Equatable, Sendable {
    var licenceNumber: String
    var name: String
    var firmLicenceNumber: String
    var regionCode: String
    var specialties: [String]
    var practisingSince: CivilDate
    var status: RegisterStatus
    var suspendedUntil: CivilDate?
    /// Days on which the lawyer was penalised with a suspension (Art. 14(3)).
    var suspensionsOn: [CivilDate] = []

    /// The status in force on `day`: a suspension ends after its last day.
    func status(on day: CivilDate) -> RegisterStatus {
        if status == .suspended, let until = suspendedUntil, day > until { return .practising }
        return status
    }
}

struct RegisteredFirm: Equatable, Sendable {
    var licenceNumber: String
    var name: String
    var kind: FirmKind
    var regionCode: String
    var status: RegisterStatus
    var suspendedUntil: CivilDate?

    func status(on day: CivilDate) -> RegisterStatus {
        if status == .suspended, let until = suspendedUntil, day > until { return .practising }
        return status
    }
}

extension CivilDate {
    /// The same day `months` later (民法典 第二百零二条: no such day → the month's last day).
    func adding(months: Int) -> CivilDate {
        let (year, month, day) = components
        let total = year * 12 + (month - 1) + months
        let (newYear, newMonth) = (total / 12, total % 12 + 1)
        var candidate = day
        while candidate > 28, CivilDate(year: newYear, month: newMonth, day: candidate).components.month != newMonth {
            candidate -= 1
        }
        return CivilDate(year: newYear, month: newMonth, day: candidate)
    }
}

// MARK: Applications

struct PracticeApplication: Codable, Equatable, Sendable {
    var qualificationCertificateNumber: String
    var internshipMonths: Int
    var firmLicenceNumber: String
    var firmName: String
    var partTime: Bool
    var specialties: [String]
}

struct FirmApplication: Codable, Equatable, Sendable {
    var firmName: String
    var address: String
    var kind: FirmKind
    var founderLicenceNumbers: [String]
    var assetsYuan: Int64
    var phone: String
}

/// The content of a licence matter (`Matter.details`).
struct LicenceDetails: Codable, Equatable, Sendable {
    var practice: PracticeApplication?
    var firm: FirmApplication?
    var materials: [String]
    var cityOpinion: String?
    var cityRecommendsGrant: Bool?
    var licenceNumber: String?
    var refusalGround: RefusalGround?
    var refusalReasons: String?
}

/// The content of a complaint matter.
struct ComplaintDetails: Codable, Equatable, Sendable {
    var subjectKind: SubjectKind
    var subjectLicenceNumber: String
    var subjectName: String
    var facts: String
    var materials: [String]
    var findings: String?
    var penalty: Penalty?
}

enum LawyersApplications {
    static let practiceMaterials = ["国家统一法律职业资格证书", "律师协会出具的实习考核合格材料", "申请人的身份证明", "律师事务所出具的同意接收申请人的证明"]
    static let partTimeMaterial = "所在单位同意申请人兼职从事律师职业的证明"
    static let firmMaterials = ["设立申请书", "律师事务所名称、住所和章程", "设立人名单及律师执业证书", "合伙协议（合伙律师事务所）", "资产证明"]

    /// Art. 6 / 18: applications go to the 设区的市级 bureau.
    static func checkCityBureau(_ code: String, _ check: inout FieldValidator, article: String) {
        check.divisionCode(code)
        if DivisionCode.isWellFormed(code), DivisionCode.level(of: code) != 2 {
            check.fail("region_code", "应当向设区的市级司法行政部门提出申请（\(lawyersLaw)\(article)），请填写市级行政区划代码，如银川市640100")
        }
    }

    /// Validates a practice application, except what needs the register (the firm).
    static func validate(_ request: Fawang_Lawyers_V1_SubmitPracticeApplicationRequest) throws(FawangError) -> (Handling, Person, PracticeApplication) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let applicant = check.person(request.applicant, field: "applicant", label: "申请人")
        checkCityBureau(request.regionCode, &check, article: "第六条")
        // Art. 5(2), 6(1).
        check.requireText(request.qualificationCertificateNumber, "qualification_certificate_number", label: "法律职业资格证书编号（第五条第二项）", maxLength: 40)
        // Art. 5(3): a full year of internship at a law firm.
        check.require(request.internshipMonths >= 12, "internship_months", "申请律师执业应当在律师事务所实习满一年（\(lawyersLaw)第五条第三项）")
        // Art. 6(4): a firm agrees to receive the applicant.
        check.requireText(request.firmLicenceNumber, "firm_licence_number", label: "接收申请人的律师事务所执业许可证号（第六条第一款第四项）", maxLength: 40)
        check.require(request.specialties.count <= 10, "specialties", "执业领域不超过10项")
        for (index, specialty) in request.specialties.enumerated() where specialty.trimmingCharacters(in: .whitespaces).isEmpty || specialty.count > 20 {
            check.fail("specialties[\(index)]", "执业领域不能为空且不能超过20字")
        }
        check.checkMaterialNames(request.materials, field: "materials")
        // Art. 6 para. 2: part-time practice needs the employer's consent.
        if request.partTime, !request.materials.contains(where: { $0.contains("兼职") || $0.contains("所在单位同意") }) {
            check.fail("materials", "申请兼职律师执业的，还应当提交\(partTimeMaterial)（\(lawyersLaw)第六条第二款）")
        }
        try check.check()
        let application = PracticeApplication(
            qualificationCertificateNumber: request.qualificationCertificateNumber, internshipMonths: Int(request.internshipMonths),
            firmLicenceNumber: request.firmLicenceNumber, firmName: "", partTime: request.partTime,
            specialties: request.specialties.map { $0.trimmingCharacters(in: .whitespaces) })
        return (try check.checked(handling, "the channel context"), applicant, application)
    }

    /// Validates a firm application's own fields; founders are checked against the register by
    /// ``checkFounders(_:kind:today:into:)``.
    static func validate(_ request: Fawang_Lawyers_V1_SubmitFirmApplicationRequest, into check: inout FieldValidator) -> (Handling, Person, FirmApplication)? {
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let applicant = check.person(request.applicant, field: "applicant", label: "申请人")
        checkCityBureau(request.regionCode, &check, article: "第十八条")
        // Art. 14(1): name, domicile, articles.
        check.requireText(request.firmName, "firm_name", label: "律师事务所名称（第十四条第一项）", maxLength: 60)
        check.requireText(request.address, "address", label: "律师事务所住所（第十四条第一项）", maxLength: 200)
        let kind = FirmKind(request.kind)
        check.require(kind != nil, "kind", "请选择律师事务所形式：合伙（第十五条）或个人（第十六条）")
        // Art. 15: three or more partners; Art. 16: one founder.
        switch kind {
        case .partnership:
            check.require(request.founderLicenceNumbers.count >= 3, "founder_licence_numbers", "设立合伙律师事务所应当有三名以上合伙人（\(lawyersLaw)第十五条）")
        case .sole:
            check.require(request.founderLicenceNumbers.count == 1, "founder_licence_numbers", "个人律师事务所的设立人为一名律师（\(lawyersLaw)第十六条）")
        case nil:
            break
        }
        check.require(Set(request.founderLicenceNumbers).count == request.founderLicenceNumbers.count, "founder_licence_numbers", "设立人不能重复")
        // Art. 14(4): assets; the amount is the State Council department's (to be confirmed).
        check.require(request.assetsYuan > 0, "assets_yuan", "请填写律师事务所的资产数额（第十四条第四项）")
        if !request.phone.isEmpty, let problem = PhoneNumber.problem(with: request.phone) { check.fail("phone", problem) }
        check.checkMaterialNames(request.materials, field: "materials")
        guard let handling, let kind else { return nil }
        let application = FirmApplication(
            firmName: request.firmName.trimmingCharacters(in: .whitespaces), address: request.address, kind: kind,
            founderLicenceNumbers: request.founderLicenceNumbers, assetsYuan: request.assetsYuan, phone: request.phone)
        return (handling, applicant, application)
    }

    /// Validates a complaint, except what needs the register (the subject).
    static func validate(_ request: Fawang_Lawyers_V1_SubmitComplaintRequest) throws(FawangError) -> (Handling, Person, SubjectKind) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let complainant = check.person(request.complainant, field: "complainant", label: "投诉人", idRequired: false)
        let kind = SubjectKind(request.subjectKind)
        check.require(kind != nil, "subject_kind", "请选择投诉对象：律师或律师事务所")
        check.requireText(request.subjectLicenceNumber, "subject_licence_number", label: "被投诉律师或律师事务所的执业证号", maxLength: 40)
        check.requireText(request.facts, "facts", label: "投诉的事实和理由", maxLength: 4000)
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        guard let handling, let kind else { throw FawangError(.internalError, "a complaint passed validation unread") }
        return (handling, complainant, kind)
    }

    /// Art. 14(3), 15, 16: each founder practises, has the experience the firm's form needs, and
    /// has had no suspension penalty within three years. `founders[i]` is nil if not registered.
    static func checkFounders(_ founders: [RegisteredLawyer?], kind: FirmKind, today: CivilDate, into check: inout FieldValidator) {
        let years = kind == .partnership ? 3 : 5
        let article = kind == .partnership ? "第十五条" : "第十六条"
        for (index, founder) in founders.enumerated() {
            let field = "founder_licence_numbers[\(index)]"
            guard let founder else {
                check.fail(field, "律师名册中没有该执业证号")
                continue
            }
            guard founder.status(on: today) == .practising else {
                check.fail(field, "\(founder.name)目前不在执业状态，不能作为设立人（\(lawyersLaw)第十四条第三项）")
                continue
            }
            if founder.practisingSince.adding(months: 12 * years) > today {
                check.fail(field, "\(founder.name)执业不满\(years)年，不能作为设立人（\(lawyersLaw)\(article)）")
            }
            if founder.suspensionsOn.contains(where: { $0.adding(months: 36) > today }) {
                check.fail(field, "\(founder.name)三年内受过停止执业处罚，不能作为设立人（\(lawyersLaw)第十四条第三项）")
            }
        }
    }

    /// Licence numbers: unique because tracking numbers are. `1` lawyers, `3` firms, then the
    /// city's four digits and the year.
    static func licenceNumber(firm: Bool, regionCode: String, year: Int, trackingNumber: TrackingNumber) -> String {
        "\(firm ? "3" : "1")\(regionCode.prefix(4))\(year)\(trackingNumber.digits)"
    }
}
