import FawangCore
import FawangPluginKit
import FawangProto
import Foundation

// The rules of 《中华人民共和国政府信息公开条例》 (2019) that the disclosure line enforces. Each
// cites its article; docs/business-lines.md lists them with the tests that pin them down.

/// The regulation as cited in rules, messages and guides: the title of the corpus file
/// (`政府信息公开条例(2019-04-03).md`), so that every citation resolves in the law search.
enum DisclosureLaw {
    static let title = "《中华人民共和国政府信息公开条例》"

    /// `第三十条` → `《中华人民共和国政府信息公开条例》第三十条`.
    static func article(_ number: String) -> String { title + number }
}

/// Art. 29 para. 2 (3), Art. 40: the form the information is wanted in.
enum ProvisionForm: String, Codable, Sendable {
    case paper, electronic, inspection

    init?(_ proto: Fawang_Disclosure_V1_ProvisionForm) {
        switch proto {
        case .paper: self = .paper
        case .electronic: self = .electronic
        case .inspection: self = .inspection
        default: return nil
        }
    }
}

/// Art. 29 para. 2 (3): how the information reaches the applicant.
enum DeliveryMethod: String, Codable, Sendable {
    case post, email
    case pickUp = "pick_up"

    init?(_ proto: Fawang_Disclosure_V1_DeliveryMethod) {
        switch proto {
        case .post: self = .post
        case .email: self = .email
        case .pickUp: self = .pickUp
        default: return nil
        }
    }
}

/// Art. 31: how an application the office keys in reached the bureau, and the day that counts as
/// its receipt.
struct Receipt: Codable, Equatable, Sendable {
    enum Method: String, Codable, Sendable {
        case postSigned = "post_signed"
        case postConfirmed = "post_confirmed"
        case internetOrFax = "internet_or_fax"

        init?(_ proto: Fawang_Disclosure_V1_ReceiptMethod) {
            switch proto {
            case .postSigned: self = .postSigned
            case .postConfirmed: self = .postConfirmed
            case .internetOrFax: self = .internetOrFax
            default: return nil
            }
        }

        /// What the day is, as 第三十一条 names it.
        var dayLabel: String {
            switch self {
            case .postSigned: "签收之日（第三十一条第二项）"
            case .postConfirmed: "与申请人确认之日（第三十一条第二项）"
            case .internetOrFax: "双方确认之日（第三十一条第三项）"
            }
        }
    }

    var method: Method
    /// YYYY-MM-DD.
    var receivedOn: String

    /// The receipt a request states, checked against `today`; nil for one filed here. Only the
    /// disclosure office (`keyedByOffice`) records one.
    static func read(_ request: Fawang_Disclosure_V1_SubmitRequestRequest, today: CivilDate, keyedByOffice: Bool, into check: inout FieldValidator) -> Receipt? {
        let day = request.receivedOn.trimmingCharacters(in: .whitespaces)
        guard let method = Method(request.receiptMethod) else {
            check.require(day.isEmpty, "received_on", "收到日期只用于邮寄、传真等方式收到的申请，请同时注明收到方式（\(DisclosureLaw.article("第三十一条"))）")
            return nil
        }
        guard keyedByOffice else {
            check.fail("receipt_method", "在本平台提交的申请以提交之日为收到申请之日；邮寄、传真等方式收到的申请由政府信息公开工作机构登记（\(DisclosureLaw.article("第三十一条"))）")
            return nil
        }
        guard let date = CivilDate(strictISO: day) else {
            check.fail("received_on", "请填写\(method.dayLabel)，格式为YYYY-MM-DD")
            return nil
        }
        guard date <= today, date >= today.adding(days: -365) else {
            check.fail("received_on", "收到日期应在今天（\(today)）之前一年内，不能晚于今天")
            return nil
        }
        return Receipt(method: method, receivedOn: date.description)
    }
}

/// Art. 29 para. 2 (2): what is asked for — its name, its document number or any other
/// description that lets the bureau find it.
struct InformationSought: Codable, Equatable, Sendable {
    var name: String
    var documentNumber: String
    var description: String

    var isEmpty: Bool { [name, documentNumber, description].allSatisfy { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } }

    /// Checks the three fields (at `prefix`-less paths, as both the request and the correction name
    /// them): at least one, each within its length.
    static func read(name: String, documentNumber: String, description: String, into check: inout FieldValidator) -> InformationSought {
        let sought = InformationSought(
            name: name.trimmingCharacters(in: .whitespacesAndNewlines), documentNumber: documentNumber.trimmingCharacters(in: .whitespacesAndNewlines),
            description: description.trimmingCharacters(in: .whitespacesAndNewlines))
        if sought.isEmpty {
            check.fail(
                "description",
                "请填写所申请政府信息的名称、文号或者便于行政机关查询的其他特征性描述（\(DisclosureLaw.article("第二十九条"))第二款第二项），至少一项")
        }
        check.require(sought.name.count <= 200, "information_name", "信息名称不能超过200字")
        check.require(sought.documentNumber.count <= 100, "document_number", "文号不能超过100字")
        check.require(sought.description.count <= 2000, "description", "特征性描述不能超过2000字")
        return sought
    }
}

/// Art. 30: the one notice of what to correct.
struct CorrectionNotice: Codable, Equatable, Sendable {
    var items: [String]
    var guidance: String
    var days: Int
    /// The last day of the correction period (YYYY-MM-DD).
    var due: String
}

/// Whom the bureau consulted (Arts. 32, 33 para. 3, 34).
enum ConsulteeKind: String, Codable, Sendable {
    case thirdParty = "third_party"
    case agency

    init?(_ proto: Fawang_Disclosure_V1_ConsulteeKind) {
        switch proto {
        case .thirdParty: self = .thirdParty
        case .agency: self = .agency
        default: return nil
        }
    }

    var label: String {
        switch self {
        case .thirdParty: "第三方"
        case .agency: "其他行政机关"
        }
    }
}

enum ConsulteeOpinion: String, Codable, Sendable {
    case consents, objects
    case noReply = "no_reply"

    init?(_ proto: Fawang_Disclosure_V1_ConsulteeOpinion) {
        switch proto {
        case .consents: self = .consents
        case .objects: self = .objects
        case .noReply: self = .noReply
        default: return nil
        }
    }
}

/// One written consultation and what came of it.
struct Consultation: Codable, Equatable, Sendable {
    var kind: ConsulteeKind
    var consultees: [String]
    var consultedOn: String
    var opinion: ConsulteeOpinion?
    var reasons: String = ""
    var repliedOn: String?
}

/// The reply (Art. 36, and Arts. 35, 37, 38, 39).
enum AnswerOutcome: String, Codable, CaseIterable, Sendable {
    case alreadyPublic = "already_public"
    case disclosed
    case partiallyDisclosed = "partially_disclosed"
    case withheld
    case notExist = "not_exist"
    case notResponsible = "not_responsible"
    case repeated
    case specialProcedure = "special_procedure"
    case needsProcessing = "needs_processing"
    case excessive
    case notADisclosureRequest = "not_a_disclosure_request"
    case publication

    init?(_ proto: Fawang_Disclosure_V1_AnswerOutcome) {
        switch proto {
        case .alreadyPublic: self = .alreadyPublic
        case .disclosed: self = .disclosed
        case .partiallyDisclosed: self = .partiallyDisclosed
        case .withheld: self = .withheld
        case .notExist: self = .notExist
        case .notResponsible: self = .notResponsible
        case .repeated: self = .repeated
        case .specialProcedure: self = .specialProcedure
        case .needsProcessing: self = .needsProcessing
        case .excessive: self = .excessive
        case .notADisclosureRequest: self = .notADisclosureRequest
        case .publication: self = .publication
        default: return nil
        }
    }

    /// The reply as the applicant reads it, with its article.
    var label: String {
        switch self {
        case .alreadyPublic: "已主动公开，告知获取的方式和途径（第三十六条第一项）"
        case .disclosed: "予以公开（第三十六条第二项）"
        case .partiallyDisclosed: "部分公开，对不予公开的部分说明理由（第三十七条）"
        case .withheld: "不予公开并说明理由（第三十六条第三项）"
        case .notExist: "经检索没有所申请公开的信息，告知该政府信息不存在（第三十六条第四项）"
        case .notResponsible: "不属于本机关负责公开（第三十六条第五项）"
        case .repeated: "重复申请，不予重复处理（第三十六条第六项）"
        case .specialProcedure: "依照有关法律、行政法规的规定办理（第三十六条第七项）"
        case .needsProcessing: "需要对现有政府信息进行加工、分析，不予提供（第三十八条）"
        case .excessive: "申请数量、频次明显超过合理范围且理由不合理，不予处理（第三十五条）"
        case .notADisclosureRequest: "不作为政府信息公开申请处理（第三十九条第一款）"
        case .publication: "公开出版物，告知获取的途径（第三十九条第二款）"
        }
    }

    /// Art. 36 (1), (2), (7), Art. 37, Art. 39 para. 2: the applicant is told how, where (and when)
    /// to obtain the information.
    var needsAccessRoute: Bool { [.alreadyPublic, .disclosed, .partiallyDisclosed, .specialProcedure, .publication].contains(self) }

    /// Art. 36 (3), (5), Art. 37, Art. 38, Art. 35, Art. 39 para. 1: the reply states its reasons.
    var needsReasons: Bool { [.withheld, .partiallyDisclosed, .notResponsible, .needsProcessing, .excessive, .notADisclosureRequest].contains(self) }

    /// Art. 36 (3), Art. 37: what is withheld is withheld on a ground of Arts. 14–16.
    var needsGrounds: Bool { [.withheld, .partiallyDisclosed].contains(self) }

    /// Some of the information is provided (Arts. 32, 36 (2), 37).
    var disclosesSomething: Bool { [.disclosed, .partiallyDisclosed].contains(self) }
}

/// Arts. 14–16: why information is withheld.
enum WithholdGround: String, Codable, Sendable {
    case stateSecret = "state_secret"
    case prohibitedByLaw = "prohibited_by_law"
    case endangersSecurity = "endangers_security"
    case thirdPartyRights = "third_party_rights"
    case internalAffairs = "internal_affairs"
    case processInformation = "process_information"
    case enforcementFiles = "enforcement_files"

    init?(_ proto: Fawang_Disclosure_V1_WithholdGround) {
        switch proto {
        case .stateSecret: self = .stateSecret
        case .prohibitedByLaw: self = .prohibitedByLaw
        case .endangersSecurity: self = .endangersSecurity
        case .thirdPartyRights: self = .thirdPartyRights
        case .internalAffairs: self = .internalAffairs
        case .processInformation: self = .processInformation
        case .enforcementFiles: self = .enforcementFiles
        default: return nil
        }
    }

    var article: String {
        switch self {
        case .stateSecret, .prohibitedByLaw, .endangersSecurity: "第十四条"
        case .thirdPartyRights: "第十五条"
        case .internalAffairs: "第十六条第一款"
        case .processInformation, .enforcementFiles: "第十六条第二款"
        }
    }
}

/// The reply given.
struct Answer: Codable, Equatable, Sendable {
    var outcome: AnswerOutcome
    var accessRoute: String = ""
    var grounds: [WithholdGround] = []
    var reasons: String = ""
    var responsibleAgency: String = ""
    var responsibleAgencyContact: String = ""
    var previousTrackingNumber: String = ""
}

/// A disclosure application's content (`Matter.details`).
struct DisclosureDetails: Codable, Equatable, Sendable {
    /// Art. 29 para. 2 (1): the legal person or organisation applying; empty for a citizen.
    var organizationName: String
    var information: InformationSought
    var provisionForm: ProvisionForm
    var delivery: DeliveryMethod
    var email: String
    /// Art. 43: the applicant needs help (reading difficulties, visual or hearing impairment).
    var needsAssistance: Bool
    /// Art. 31: how and when an application keyed in by the office was received; nil when filed here.
    var receipt: Receipt?
    /// Art. 30: the one notice to correct, if one was given.
    var correction: CorrectionNotice?
    /// The description as first filed, once corrected.
    var originalInformation: InformationSought?
    var consultations: [Consultation] = []
    var answer: Answer?

    func encoded() -> Data { DetailsCoding.encode(self) }
}

/// Validation of a submitted application: every problem reported at once, each with its field.
enum DisclosureApplication {
    static func validate(
        _ request: Fawang_Disclosure_V1_SubmitRequestRequest, today: CivilDate, keyedByOffice: Bool
    ) throws(FawangError) -> (Handling, Person, DisclosureDetails) {
        var check = FieldValidator()
        let receipt = Receipt.read(request, today: today, keyedByOffice: keyedByOffice, into: &check)
        check.requestID(request.requestID)
        let handling = Handling.read(request.context, into: &check)
        // Art. 29 para. 2 (1): name, proof of identity, contact details.
        let applicant = check.person(request.applicant, field: "applicant", label: "申请人")
        check.require(request.organizationName.count <= 100, "organization_name", "法人或者其他组织名称不能超过100字")
        check.divisionCode(request.regionCode)
        let information = InformationSought.read(
            name: request.informationName, documentNumber: request.documentNumber, description: request.description_p, into: &check)
        let form = ProvisionForm(request.provisionForm)
        check.require(form != nil, "provision_form", "请选择所需政府信息的形式：纸质、电子数据或者当场查阅（\(DisclosureLaw.article("第二十九条"))第二款第三项）")
        let delivery = DeliveryMethod(request.delivery)
        check.require(delivery != nil, "delivery", "请选择获取信息的方式：邮寄、电子邮件或者自行领取（\(DisclosureLaw.article("第二十九条"))第二款第三项）")
        let email = request.email.trimmingCharacters(in: .whitespaces)
        if delivery == .email {
            check.require(isEmailAddress(email), "email", "选择电子邮件方式的，请填写有效的电子邮箱地址")
        } else {
            check.require(email.isEmpty || isEmailAddress(email), "email", "电子邮箱地址格式不正确")
        }
        if delivery == .post {
            check.require(!request.applicant.address.trimmingCharacters(in: .whitespaces).isEmpty, "applicant.address", "选择邮寄方式的，请填写邮寄地址")
        }
        try check.check()
        return (
            try check.checked(handling, "the channel context"), applicant,
            DisclosureDetails(
                organizationName: request.organizationName.trimmingCharacters(in: .whitespaces), information: information,
                provisionForm: form!, delivery: delivery!, email: email, needsAssistance: request.needsAssistance, receipt: receipt)
        )
    }

    /// A plausible e-mail address: one `@`, a dotted domain, no spaces, at most 100 characters.
    static func isEmailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.count <= 100, parts.count == 2, !parts[0].isEmpty, !text.contains(where: \.isWhitespace) else { return false }
        let domain = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }
}
