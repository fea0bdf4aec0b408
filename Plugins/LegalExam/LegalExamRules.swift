import FawangCore
import FawangPluginKit
import FawangProto
import Foundation
import SwiftProtobuf

// The eligibility rules of the national unified legal professional qualification exam
// (国家统一法律职业资格考试) that the province checks when it confirms a registration.
//
// SOURCE NOT IN THE LAW CORPUS: the conditions come from 《国家统一法律职业资格考试实施办法》
// (司法部, 2018), which the platform's corpus does not contain (checked: `grep 法律职业资格` finds only
// the statutes that *require* the qualification — 律师法 第五条, 公证法 第十八条, 法官法, 检察官法 —
// none of which sets exam conditions). Every article below is therefore cited "（待确认）", and every
// threshold is a constant of ``EligibilityPolicy`` so it can be corrected in one place once the
// text is checked. The functions here are pure: no I/O, no clock.

/// Citations, each marked as to be confirmed against the Ministry's text.
enum ExamArticles {
    static let implementing = "《国家统一法律职业资格考试实施办法》"
    static let management = "《法律职业资格管理办法》"
    static let pending = "（待确认）"

    static func implementing(_ article: String) -> String { implementing + article + pending }
    static func management(_ article: String) -> String { management + article + pending }
}

enum Nationality: String, Codable, Sendable {
    case prc, other

    init?(_ proto: Fawang_Exam_V1_Nationality) {
        switch proto {
        case .prc: self = .prc
        case .other: self = .other
        default: return nil
        }
    }
}

enum DegreeLevel: Int, Codable, Sendable, Comparable {
    case associate = 1, bachelor, master, doctor

    init?(_ proto: Fawang_Exam_V1_DegreeLevel) {
        switch proto {
        case .associate: self = .associate
        case .bachelor: self = .bachelor
        case .master: self = .master
        case .doctor: self = .doctor
        default: return nil
        }
    }

    static func < (lhs: DegreeLevel, rhs: DegreeLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

enum Major: String, Codable, Sendable {
    case law
    case nonLaw = "non_law"

    init?(_ proto: Fawang_Exam_V1_Major) {
        switch proto {
        case .law: self = .law
        case .nonLaw: self = .nonLaw
        default: return nil
        }
    }
}

struct Education: Codable, Equatable, Sendable {
    var level: DegreeLevel
    var major: Major
    var fullTime: Bool
    var degreeAwarded: Bool
    var postgraduateLawDegree: Bool
    var legalWorkYears: Int
    var institution: String
}

/// Every condition of registration, positive (实施办法 第九条) or disqualifying (第十条), 待确认.
enum EligibilityCondition: String, Codable, Sendable, CaseIterable {
    case nationality
    case politicalRights = "political_rights"
    case conduct
    case civilCapacity = "civil_capacity"
    case education
    case intentionalCrime = "intentional_crime"
    case dismissedFromPublicOffice = "dismissed_from_public_office"
    case lawyerLicenceRevoked = "lawyer_licence_revoked"
    case notaryLicenceRevoked = "notary_licence_revoked"
    case qualificationRevoked = "qualification_revoked"
    case examBan = "exam_ban"
    case creditBlacklist = "credit_blacklist"
    case lifetimeProfessionBan = "lifetime_profession_ban"

    /// The disqualifying circumstances a candidate may declare.
    static let disqualifying: [EligibilityCondition] = [
        .intentionalCrime, .dismissedFromPublicOffice, .lawyerLicenceRevoked, .notaryLicenceRevoked,
        .qualificationRevoked, .examBan, .creditBlacklist, .lifetimeProfessionBan,
    ]

    var isDisqualifying: Bool { Self.disqualifying.contains(self) }

    /// What the condition requires (positive) or what bars the candidate (disqualifying), in Chinese.
    var label: String {
        switch self {
        case .nationality: "具有中华人民共和国国籍"
        case .politicalRights: "拥护中华人民共和国宪法，享有选举权和被选举权"
        case .conduct: "具有良好的政治、业务素质和道德品行"
        case .civilCapacity: "具有完全民事行为能力"
        case .education: "具备规定的学历、学位条件（法学类本科及学士以上学位；或非法学类本科及以上并获法律硕士、法学硕士以上学位；或非法学类本科及以上并获相应学位且从事法律工作满规定年限）"
        case .intentionalCrime: "因故意犯罪受过刑事处罚的，不得报名"
        case .dismissedFromPublicOffice: "曾被开除公职的，不得报名"
        case .lawyerLicenceRevoked: "曾被吊销律师执业证书的，不得报名"
        case .notaryLicenceRevoked: "曾被吊销公证员执业证书的，不得报名"
        case .qualificationRevoked: "被吊销法律职业资格证书的，不得报名"
        case .examBan: "被给予不得报名参加考试的处理且期限未满或终身不得报名的，不得报名"
        case .creditBlacklist: "因严重失信行为被确定为失信联合惩戒对象的，不得报名"
        case .lifetimeProfessionBan: "被给予终身禁止从事法律职业处理的，不得报名"
        }
    }

    /// The article (to be confirmed) that sets the condition.
    var article: String {
        switch self {
        case .nationality: ExamArticles.implementing("第九条第一项")
        case .politicalRights: ExamArticles.implementing("第九条第二项")
        case .conduct: ExamArticles.implementing("第九条第三项")
        case .civilCapacity: ExamArticles.implementing("第九条第四项")
        case .education: ExamArticles.implementing("第九条第五项")
        case .intentionalCrime: ExamArticles.implementing("第十条第一项")
        case .dismissedFromPublicOffice, .lawyerLicenceRevoked, .notaryLicenceRevoked: ExamArticles.implementing("第十条第二项")
        case .qualificationRevoked: ExamArticles.implementing("第十条第三项")
        case .examBan: ExamArticles.implementing("第十条第四项")
        case .creditBlacklist: ExamArticles.implementing("第十条第五项")
        case .lifetimeProfessionBan: ExamArticles.implementing("第十条第六项")
        }
    }

    init?(_ proto: Fawang_Exam_V1_EligibilityCondition) {
        switch proto {
        case .nationality: self = .nationality
        case .politicalRights: self = .politicalRights
        case .conduct: self = .conduct
        case .civilCapacity: self = .civilCapacity
        case .education: self = .education
        case .intentionalCrime: self = .intentionalCrime
        case .dismissedFromPublicOffice: self = .dismissedFromPublicOffice
        case .lawyerLicenceRevoked: self = .lawyerLicenceRevoked
        case .notaryLicenceRevoked: self = .notaryLicenceRevoked
        case .qualificationRevoked: self = .qualificationRevoked
        case .examBan: self = .examBan
        case .creditBlacklist: self = .creditBlacklist
        case .lifetimeProfessionBan: self = .lifetimeProfessionBan
        default: return nil
        }
    }

    init?(disqualification proto: Fawang_Exam_V1_Disqualification) {
        switch proto {
        case .intentionalCrime: self = .intentionalCrime
        case .dismissedFromPublicOffice: self = .dismissedFromPublicOffice
        case .lawyerLicenceRevoked: self = .lawyerLicenceRevoked
        case .notaryLicenceRevoked: self = .notaryLicenceRevoked
        case .qualificationRevoked: self = .qualificationRevoked
        case .examBan: self = .examBan
        case .creditBlacklist: self = .creditBlacklist
        case .lifetimeProfessionBan: self = .lifetimeProfessionBan
        default: return nil
        }
    }

    var proto: Fawang_Exam_V1_EligibilityCondition {
        switch self {
        case .nationality: .nationality
        case .politicalRights: .politicalRights
        case .conduct: .conduct
        case .civilCapacity: .civilCapacity
        case .education: .education
        case .intentionalCrime: .intentionalCrime
        case .dismissedFromPublicOffice: .dismissedFromPublicOffice
        case .lawyerLicenceRevoked: .lawyerLicenceRevoked
        case .notaryLicenceRevoked: .notaryLicenceRevoked
        case .qualificationRevoked: .qualificationRevoked
        case .examBan: .examBan
        case .creditBlacklist: .creditBlacklist
        case .lifetimeProfessionBan: .lifetimeProfessionBan
        }
    }

    /// "具有中华人民共和国国籍（《国家统一法律职业资格考试实施办法》第九条第一项（待确认））".
    var citation: String { "\(label)（\(article)）" }
}

/// The thresholds of the eligibility rules. CONFIGURABLE IN CODE: the values are the platform's
/// reading of 实施办法 (2018) and are to be confirmed against its text; change them here (and the
/// tests that pin them) once checked.
struct EligibilityPolicy: Sendable, Equatable {
    /// 第九条第五项（待确认）: a non-law graduate with the degree for their level qualifies after this
    /// many full years of legal work.
    var nonLawLegalWorkYears: Int
    /// 放宽报名学历条件的地方（待确认）: divisions (counties or cities) where a full-time law
    /// associate degree (法学类专科) suffices. Empty until the Ministry's list for Ningxia is confirmed.
    var relaxedEducationRegions: Set<String>

    static let standard = EligibilityPolicy(nonLawLegalWorkYears: 3, relaxedEducationRegions: [])

    func isRelaxed(_ regionCode: String) -> Bool {
        relaxedEducationRegions.contains { DivisionCode.contains($0, regionCode) }
    }
}

/// What a candidate declares about themself at registration.
struct RegistrationDeclaration: Codable, Equatable, Sendable {
    var examYear: Int
    var nationality: Nationality
    var education: Education
    var supportsConstitution: Bool
    var hasPoliticalRights: Bool
    var fullCivilCapacity: Bool
    var disqualifications: [EligibilityCondition]
}

enum EligibilityRules {
    /// Every condition the declaration does not meet, in the order of the articles; empty when the
    /// candidate may register. `regionCode` is the confirmation site (for relaxed education areas).
    static func unmetConditions(_ declaration: RegistrationDeclaration, regionCode: String, policy: EligibilityPolicy = .standard) -> [EligibilityCondition] {
        var unmet: [EligibilityCondition] = []
        // 第九条第一项（待确认）: PRC nationality.
        if declaration.nationality != .prc { unmet.append(.nationality) }
        // 第九条第二项（待确认）: supports the Constitution and holds the rights to vote and stand.
        if !declaration.supportsConstitution || !declaration.hasPoliticalRights { unmet.append(.politicalRights) }
        // 第九条第四项（待确认）: full civil capacity.
        if !declaration.fullCivilCapacity { unmet.append(.civilCapacity) }
        // 第九条第五项（待确认）: education.
        if !meetsEducation(declaration.education, regionCode: regionCode, policy: policy) { unmet.append(.education) }
        // 第十条（待确认）: each disqualifying circumstance, in the article's order.
        for condition in EligibilityCondition.disqualifying where declaration.disqualifications.contains(condition) {
            unmet.append(condition)
        }
        return unmet
    }

    /// 第九条第五项（待确认）. Full-time higher education (全日制普通高等学校) and one of:
    /// (a) law, bachelor or higher, with the degree (学士及以上学位);
    /// (b) non-law, bachelor or higher, with a postgraduate law degree (法律硕士、法学硕士及以上);
    /// (c) non-law, bachelor or higher, with the degree, and `nonLawLegalWorkYears` of legal work;
    /// (d) in a relaxed area (放宽地区), law associate (法学类专科).
    static func meetsEducation(_ education: Education, regionCode: String, policy: EligibilityPolicy = .standard) -> Bool {
        guard education.fullTime else { return false }
        if education.level == .associate {
            return education.major == .law && policy.isRelaxed(regionCode)
        }
        switch education.major {
        case .law:
            return education.degreeAwarded || education.postgraduateLawDegree
        case .nonLaw:
            if education.postgraduateLawDegree { return true }
            return education.degreeAwarded && education.legalWorkYears >= policy.nonLawLegalWorkYears
        }
    }
}

// MARK: Results and pass lines

/// Scores are kept in tenths of a point (subjective answers are marked in halves).
enum Score {
    static let objectiveMaximum = 300.0
    static let subjectiveMaximum = 180.0

    static func tenths(_ value: Double) -> Int { Int((value * 10).rounded()) }
    static func points(_ tenths: Int) -> Double { Double(tenths) / 10 }
}

/// A pass line (合格分数线) of one exam year, for a division and what lies inside it.
struct PassLine: Equatable, Sendable {
    var examYear: Int
    var regionCode: String
    /// Tenths of a point.
    var objective: Int
    var subjective: Int
    /// `A` for the national line, `C` for a relaxed line (待确认).
    var certificateClass: String
    var builtIn: Bool

    func passes(objective score: Int, subjective subjectiveScore: Int) -> Bool {
        score >= objective && subjectiveScore >= subjective
    }

    var proto: Fawang_Exam_V1_PassLine {
        .with {
            $0.examYear = Int32(examYear)
            $0.regionCode = regionCode
            $0.objective = Score.points(objective)
            $0.subjective = Score.points(subjective)
            $0.certificateClass = certificateClass
            $0.builtIn = builtIn
        }
    }
}

/// CONFIGURABLE IN CODE: the built-in pass lines. The Ministry of Justice announces the lines each
/// year (公告，待确认); the platform's reading is 180 (客观题) and 108 (主观题) nationwide since the first
/// exam in 2018. Lines set through `SetPassLine` (per year and division) take precedence.
enum PassLines {
    static let firstExamYear = 2018
    static let nationalObjective = 180.0
    static let nationalSubjective = 108.0

    /// The built-in national line of `year`, or nil for a year before the first exam.
    static func builtIn(year: Int) -> PassLine? {
        guard year >= firstExamYear else { return nil }
        return PassLine(
            examYear: year, regionCode: "640000", objective: Score.tenths(nationalObjective),
            subjective: Score.tenths(nationalSubjective), certificateClass: "A", builtIn: true)
    }

    /// The line that applies in `regionCode`: the set line of the division itself, else of its
    /// city, else of the province, else the built-in national line.
    static func resolve(year: Int, regionCode: String, set lines: [PassLine]) -> PassLine? {
        let ofYear = lines.filter { $0.examYear == year }
        var candidates = [regionCode]
        if let city = DivisionCode.city(of: regionCode), city != regionCode { candidates.append(city) }
        candidates.append(String(regionCode.prefix(2)) + "0000")
        for code in candidates {
            if let line = ofYear.first(where: { $0.regionCode == code }) { return line }
        }
        return builtIn(year: year)
    }
}

/// A candidate's identity number as kept by this module: a digest (for matching the public
/// lookup's second factor) and a masked copy (for display). The number itself is not stored.
enum CandidateIdentity {
    static func digest(_ idNumber: String) -> String {
        RequestDigest.sha256Hex(Data("legal-exam:\(idNumber.uppercased())".utf8))
    }
}

/// An admission ticket number (准考证号): 6 to 24 letters and digits.
enum AdmissionTicket {
    static func isWellFormed(_ ticket: String) -> Bool {
        (6...24).contains(ticket.count) && ticket.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}

extension FieldValidator {
    /// An exam year from the first exam (2018) to next year.
    mutating func examYear(_ year: Int32, now: Date, field: String = "exam_year") {
        let thisYear = CivilDate(now).components.year
        require((PassLines.firstExamYear...(thisYear + 1)).contains(Int(year)), field, "考试年度应在\(PassLines.firstExamYear)年至\(thisYear + 1)年之间")
    }

    mutating func admissionTicket(_ ticket: String, field: String = "admission_ticket") {
        if ticket.isEmpty {
            fail(field, "请填写准考证号")
        } else {
            require(AdmissionTicket.isWellFormed(ticket), field, "准考证号应为6至24位字母或数字")
        }
    }
}

// MARK: Registration

/// The registration content of a matter (`Matter.details`).
struct RegistrationDetails: Codable, Equatable, Sendable {
    var declaration: RegistrationDeclaration
    /// The rules' findings at submission.
    var unmetAtSubmission: [EligibilityCondition]
    /// The conditions a refusal names.
    var refusedFor: [EligibilityCondition] = []
}

enum RegistrationApplication {
    /// The validated registration, or `INVALID_ARGUMENT` listing every bad field. The channel
    /// context is returned as read: the intake records it under the signed-in caller.
    static func validate(_ request: Fawang_Exam_V1_SubmitRegistrationRequest, now: Date) throws(FawangError) -> (Handling, Person, RegistrationDeclaration) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let candidate = check.person(request.candidate, field: "candidate", label: "报名人")
        check.examYear(request.examYear, now: now)
        check.divisionCode(request.regionCode)
        let nationality = Nationality(request.nationality)
        check.require(nationality != nil, "nationality", "请选择国籍")
        let education = request.education
        let level = DegreeLevel(education.level)
        check.require(level != nil, "education.level", "请选择最高学历层次")
        let major = Major(education.major)
        check.require(major != nil, "education.major", "请选择所学专业类别（法学类或非法学类）")
        check.require((0...60).contains(education.legalWorkYears), "education.legal_work_years", "从事法律工作年限应在0至60年之间")
        check.require(education.institution.count <= 100, "education.institution", "毕业院校不能超过100字")
        let disqualifications = check.distinct(request.disqualifications, field: "disqualifications", "不得报名的情形无效") {
            EligibilityCondition(disqualification: $0)
        }
        try check.check()
        guard let handling else { throw FawangError(.internalError, "channel context passed validation unread") }
        let declaration = RegistrationDeclaration(
            examYear: Int(request.examYear), nationality: nationality!,
            education: Education(
                level: level!, major: major!, fullTime: education.fullTime, degreeAwarded: education.degreeAwarded,
                postgraduateLawDegree: education.postgraduateLawDegree, legalWorkYears: Int(education.legalWorkYears),
                institution: education.institution),
            supportsConstitution: request.supportsConstitution, hasPoliticalRights: request.enjoysPoliticalRights,
            fullCivilCapacity: request.fullCivilCapacity, disqualifications: disqualifications)
        return (handling, candidate, declaration)
    }

    static func eligibility(_ unmet: [EligibilityCondition]) -> Fawang_Exam_V1_Eligibility {
        .with {
            $0.eligible = unmet.isEmpty
            $0.unmet = unmet.map { condition in
                .with {
                    $0.condition = condition.proto
                    $0.label = condition.label
                    $0.article = condition.article
                }
            }
        }
    }
}

// MARK: Certificate

enum CertificateApplication {
    /// The validated application's channel context (as read) and applicant, or `INVALID_ARGUMENT`
    /// listing every bad field. Whether the result passes is checked against the stored records.
    static func validate(_ request: Fawang_Exam_V1_ApplyCertificateRequest, now: Date) throws(FawangError) -> (Handling, Person) {
        var check = FieldValidator()
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        let applicant = check.person(request.applicant, field: "applicant", label: "申请人")
        check.examYear(request.examYear, now: now)
        check.admissionTicket(request.admissionTicket)
        check.checkMaterialNames(request.materials, field: "materials")
        try check.check()
        guard let handling else { throw FawangError(.internalError, "channel context passed validation unread") }
        return (handling, applicant)
    }
}

/// An appeal (申诉/复核) of a refused certificate application.
struct Appeal: Codable, Equatable, Sendable {
    var grounds: String
    var decision: String?
    var reasons: String?
}

/// The certificate application's content (`Matter.details`).
struct CertificateDetails: Codable, Equatable, Sendable {
    var examYear: Int
    var admissionTicket: String
    var objectiveTenths: Int
    var subjectiveTenths: Int
    var certificateClass: String
    var materials: [String]
    var certificateNumber: String?
    var refusalReasons: String?
    var appeal: Appeal?
}
